// The page cache must never store a page made for one reader, whatever the Cookie header looks like: the
// cache and the session loader decide "personal" from one parse (src/http/personal.ts), and any response
// rendered with a user, a CSRF token or a flash is refused by the cache on its own.
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { PageCache } from '../../src/http/page-cache.js';
import { isPersonalRequest, markPersonal, parseCookieHeader, readCookies } from '../../src/http/personal.js';
import { testConfig } from '../support/app.js';
import { makeComment } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { anonymousSession, sessionFor } from '../support/session.js';

const config = testConfig();
const app = createApp({ config, logger: pino({ level: 'silent' }), pageCache: true });
const cache = app.locals.pageCache as PageCache;

const NAME = 'Poisoner Pat';
const PENDING = 'My own comment still awaiting review';

let slug: string;
let token: string;
let csrfCookie: string;
let flashCookie: string;

beforeAll(async () => {
  const author = await makeUser({ role: 'author' });
  const reader = await makeUser({ displayName: NAME });
  const post = await makePost({ author, status: 'published' });
  slug = post.slug;
  await makeComment({ post, author: reader, status: 'pending', body: PENDING });
  const session = sessionFor(reader, config);
  token = /quire_session=([^;]+)/.exec(session.cookie)![1]!;
  csrfCookie = /quire_csrf=[^;]+/.exec(session.cookie)![0];
  // A real flash cookie, as the server signs it ("You are signed out."), from another session of the reader.
  const other = sessionFor(reader, config);
  const out = await request(app).post('/signout').type('form').set('Cookie', other.cookie).send({ _csrf: other.csrf });
  flashCookie = /quire_flash=([^;]+)/.exec(String(out.headers['set-cookie']))![1]!;
});

/** Cookie headers that carry the reader's real session (or a real flash) under names and shapes parsers disagree on. */
function probes(): Record<string, string> {
  const t = token;
  return {
    plain: `quire_session=${t}`,
    'space before name': ` quire_session=${t}`,
    'space before =': `quire_session =${t}`,
    'tab before =': `quire_session\t=${t}`,
    'tab before name': `\tquire_session=${t}`,
    'space after =': `quire_session= ${t}`,
    'space around both': `  quire_session \t= \t${t}  `,
    'quoted value': `quire_session="${t}"`,
    'no space after ;': `a=b;quire_session=${t}`,
    'many spaces after ;': `a=b;    quire_session=${t}`,
    'tab after ;': `a=b;\tquire_session=${t}`,
    'after a pair without =': `junk;quire_session=${t}`,
    'duplicate, real first': `quire_session=${t}; quire_session=garbage`,
    'duplicate, real second': `quire_session=garbage; quire_session=${t}`,
    'upper case': `QUIRE_SESSION=${t}`,
    'mixed case': `Quire_Session=${t}`,
    'dash for underscore': `quire-session=${t}`,
    'percent-encoded name': `quire%5Fsession=${t}`,
    'percent-encoded value': `quire_session=${encodeURIComponent(t).replace(/\./g, '%2E')}`,
    'double-encoded name': `quire%255Fsession=${t}`,
    'JSON cookie value': `quire_session=j:${JSON.stringify(t)}`,
    'signed-looking value': `quire_session=s:${t}`,
    'host prefix': `__Host-quire_session=${t}`,
    'secure prefix': `__Secure-quire_session=${t}`,
    'comma separated': `a=b, quire_session=${t}`,
    'flash plain': `quire_flash=${flashCookie}`,
    'flash with space': `quire_flash =${flashCookie}`,
    'flash quoted': `quire_flash="${flashCookie}"`,
    'flash duplicate': `quire_flash=x; quire_flash=${flashCookie}`,
  };
}

const personalMarks = (html: string) => [NAME, PENDING, 'action="/signout"', 'name="_csrf"', 'You are signed out'].filter((mark) => html.includes(mark));

describe('page cache poisoning', () => {
  it('never stores or serves a personal page, whatever shape the session or flash cookie takes', async () => {
    const paths = ['/', `/posts/${slug}`];
    const signedIn: string[] = [];
    for (const [label, probe] of Object.entries(probes())) {
      // With and without a valid CSRF cookie (with it, a personal page would set no cookie of its own).
      for (const cookie of [`${csrfCookie}; ${probe}`, probe]) {
        for (const path of paths) {
          // Asked for twice: a page is kept the second time its URL is asked for.
          for (let i = 0; i < 2; i++) {
            const res = await request(app).get(path).set('Cookie', cookie);
            expect(res.headers['x-page-cache'], `${label}: ${JSON.stringify(cookie)}`).not.toBe('hit');
            if (res.text.includes(NAME) || res.text.includes('You are signed out')) {
              signedIn.push(label);
              expect(res.headers['cache-control'], label).toMatch(/private/);
              expect(res.headers['cache-control'], label).toMatch(/no-store/);
            }
          }
          const anonymous = await request(app).get(path);
          expect(personalMarks(anonymous.text), `${label}: anonymous ${path} after ${JSON.stringify(cookie)}`).toEqual([]);
        }
      }
    }
    for (const page of cache.stored()) expect(personalMarks(page.body), page.key).toEqual([]);
    // The probes did reach the session loader in many shapes: a cache that judged the raw header
    // differently from the loader would have stored one of these pages.
    expect(new Set(signedIn)).toEqual(
      new Set([
        'plain',
        'space before name',
        'space before =',
        'tab before =',
        'tab before name',
        'space after =',
        'space around both',
        'quoted value',
        'no space after ;',
        'many spaces after ;',
        'tab after ;',
        'after a pair without =',
        'duplicate, real first',
        'percent-encoded value',
        'JSON cookie value',
        'flash plain',
        'flash with space',
        'flash quoted',
      ]),
    );
    // And the anonymous pages were stored and served (the cache was on throughout).
    expect((await request(app).get('/')).headers['x-page-cache']).toBe('hit');
  });

  it('treats every cookie that could be taken for Quire’s as personal, and only a well-formed CSRF cookie as not', () => {
    const secret = 'cookie-signing-secret';
    const csrf = anonymousSession(config).cookie;
    for (const probe of Object.values(probes())) expect(parseCookieHeader(probe, secret).personal, probe).toBe(true);
    for (const header of [`${csrf}; ${csrf}`, 'quire_csrf=short', `${csrf}; quire_other=1`, `${csrf.replace('quire_csrf', 'quire_csrf ')}x`, 'quire_csrf=j:"x"', 'quirecsrf=1']) {
      expect(parseCookieHeader(header, secret).personal, header).toBe(true);
    }
    for (const header of [undefined, '', '_ga=GA1.2.3; theme=dark', csrf, `_ga=1; ${csrf}; theme=dark`]) {
      expect(parseCookieHeader(header, secret).personal, String(header)).toBe(false);
    }
  });

  it('refuses to store a response marked personal even for a request it called anonymous', async () => {
    const bare = express();
    const pages = new PageCache({ paths: /^\/p\// });
    bare.use(readCookies('secret'));
    bare.use(pages.middleware());
    bare.get('/p/:page', (req, res) => {
      expect(isPersonalRequest(req)).toBe(false);
      if (req.params.page === 'marked') markPersonal(res);
      // A handler that (wrongly) calls its page public after all: the mark alone must keep it out.
      res.set('Cache-Control', 'public, max-age=60').send(`<p>${req.params.page}</p>`);
    });
    for (let i = 0; i < 3; i++) expect((await request(bare).get('/p/marked')).headers['x-page-cache']).toBe('miss');
    expect(pages.size).toBe(0);
    // The same page unmarked is stored: the check above can fail.
    for (let i = 0; i < 2; i++) await request(bare).get('/p/unmarked');
    expect((await request(bare).get('/p/unmarked')).headers['x-page-cache']).toBe('hit');
  });

  it('sends every page rendered for a signed-in user as private, no-store, the media library included', async () => {
    const author = await makeUser({ role: 'author' });
    const s = sessionFor(author, config);
    for (const path of ['/', `/posts/${slug}`, '/media', '/dashboard', '/account', '/no/such/page']) {
      const res = await request(app).get(path).set('Cookie', s.cookie);
      expect(res.headers['cache-control'], path).toMatch(/no-store/);
      expect(res.headers['x-page-cache'], path).toBeUndefined();
    }
    expect((await request(app).get('/media').set('Cookie', s.cookie)).headers['cache-control']).toBe('private, no-store');
  });
});
