import { Router } from 'express';
import type { RouterDeps } from '../app.js';

export function adminRouter(_deps: RouterDeps): Router {
  const router = Router();
  return router;
}
