import express, { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { under } from '../../src/http/mount.js';

describe('under (routers entered only for their paths)', () => {
  function appWith(paths: string[], router: Router) {
    const app = express();
    app.use(under(paths, router));
    app.use((req, res) => res.status(404).send(`fell through ${req.path}`));
    return app;
  }

  it('enters the router for its paths and what lies below them, and passes everything else on', async () => {
    const seen: string[] = [];
    const router = Router();
    router.use((req, _res, next) => {
      seen.push(req.path);
      next();
    });
    router.get('/posts/:slug/edit', (req, res) => res.send(`edit ${req.params.slug}`));
    router.get('/feed.xml', (_req, res) => res.send('feed'));
    const app = appWith(['/posts', '/feed.xml'], router);
    expect((await request(app).get('/posts/hello/edit')).text).toBe('edit hello');
    expect((await request(app).get('/feed.xml')).text).toBe('feed');
    // Neither a longer name nor a look-alike ("." is not a wildcard) enters the router.
    for (const path of ['/postscript', '/feedxxml', '/']) expect((await request(app).get(path)).text).toBe(`fell through ${path}`);
    expect(seen).toEqual(['/posts/hello/edit', '/feed.xml']);
  });

  it('refuses, when mounted, a router with a route it would never reach', () => {
    const router = Router();
    router.get('/account', (_req, res) => res.send('ok'));
    router.get('/elsewhere', (_req, res) => res.send('never'));
    expect(() => under(['/account'], router)).toThrow(/\/elsewhere is outside \/account/);
  });
});
