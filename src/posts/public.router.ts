import { Router } from 'express';
import type { RouterDeps } from '../app.js';

export function publicRouter(_deps: RouterDeps): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.render('posts/home', { posts: [] });
  });
  return router;
}
