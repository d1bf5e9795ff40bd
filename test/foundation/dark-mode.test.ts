// Dark mode is decided in the browser: every page (reader, editor, admin, error pages) loads the theme
// script from a file, synchronously in <head> (before the first paint, with no inline script for the CSP
// to refuse), and the server sends the same page whatever the colour mode (nothing to vary the cache on).
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { sessionFor } from '../support/session.js';

const { app, config } = testApp();
let adminCookie: string;

beforeAll(async () => {
  adminCookie = sessionFor(await makeUser({ role: 'admin' }), config).cookie;
});

/** The <head> of a page. */
const headOf = (html: string) => /<head>([\s\S]*?)<\/head>/.exec(html)?.[1] ?? '';

describe('the colour-mode script', () => {
  it('is in the head of reader, editor, admin and error pages, synchronous and from a file', async () => {
    for (const [path, cookie] of [['/', ''], ['/tags', ''], ['/no-such-page', ''], ['/posts/new', adminCookie], ['/admin', adminCookie], ['/admin/settings', adminCookie]] as const) {
      const req = request(app).get(path);
      const res = await (cookie ? req.set('Cookie', cookie) : req);
      const script = /<script src="(\/public\/js\/theme\.js\?v=[a-f0-9]+)"([^>]*)><\/script>/.exec(headOf(res.text));
      expect(script, path).not.toBeNull();
      expect(script![2], path).not.toMatch(/defer|async/);
      expect(res.text, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(res.text, path).toContain('data-theme-toggle');
    }
  });

  it('is served as JavaScript, and the CSP allows only scripts from the site', async () => {
    const page = await request(app).get('/');
    const src = /<script src="(\/public\/js\/theme\.js\?v=[a-f0-9]+)"/.exec(page.text)![1]!;
    const js = await request(app).get(src);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.text).toContain("'data-bs-theme'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(page.headers.vary ?? '').not.toMatch(/cookie|sec-ch-prefers-color-scheme/i);
  });
});
