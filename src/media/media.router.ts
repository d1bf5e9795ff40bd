import { Router } from 'express';
import type { RouterDeps } from '../app.js';

export function mediaRouter(_deps: RouterDeps): Router {
  const router = Router();
  return router;
}
