import { Router } from 'express';
import type { RouterDeps } from '../app.js';

export function accountRouter(_deps: RouterDeps): Router {
  const router = Router();
  return router;
}
