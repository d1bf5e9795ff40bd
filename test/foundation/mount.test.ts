import express, { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { sequence, under } from '../../src/http/mount.js';

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

describe('sequence (middleware run as one layer)', () => {
  // What comes after the sequence: a route, and an error handler that says what reached it.
  function appWith(handlers: Parameters<typeof sequence>[0]) {
    const app = express();
    app.use(sequence(handlers));
    app.get('/', (_req, res) => res.send(`route after ${String(res.locals.ran)}`));
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send(`error ${err.message} after ${String(res.locals.ran)}`);
    });
    return app;
  }
  const step = (name: string): express.RequestHandler => (_req, res, next) => {
    res.locals.ran = `${String(res.locals.ran ?? '')}${name}`;
    next();
  };

  it('runs each handler in order, skips what is not given, and goes on to what follows', async () => {
    const app = appWith([step('a'), undefined, step('b'), (_req, _res, next) => next('route'), step('c')]);
    expect((await request(app).get('/')).text).toBe('route after abc');
  });

  it('lets a handler answer without going further', async () => {
    const app = appWith([step('a'), (_req, res) => void res.send('answered'), step('never')]);
    expect((await request(app).get('/')).text).toBe('answered');
  });

  it('takes an error passed on, thrown or rejected to the error handler, skipping the handlers after it', async () => {
    const failures: express.RequestHandler[] = [
      (_req, _res, next) => next(new Error('passed')),
      () => {
        throw new Error('thrown');
      },
      async () => {
        await Promise.resolve();
        throw new Error('rejected');
      },
    ];
    for (const [i, fail] of failures.entries()) {
      const res = await request(appWith([step('a'), fail, step('never')])).get('/');
      expect(res.status).toBe(500);
      expect(res.text).toBe(`error ${['passed', 'thrown', 'rejected'][i]} after a`);
    }
  });

  it('refuses an error handler, which would never be called in it', () => {
    const handler = (_err: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => next();
    expect(() => sequence([handler as unknown as express.RequestHandler])).toThrow(/plain middleware/);
  });
});
