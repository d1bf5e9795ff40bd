import { Router } from 'express';
import type { RouterDeps } from '../app.js';

export function authRouter(_deps: RouterDeps): Router {
  const router = Router();
  return router;
}
