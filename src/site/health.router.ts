// GET /healthz for load balancers and uptime checks: 200 when the database answers a ping, else 503.
import { Router, type Request, type Response } from 'express';
import { pingDatabase } from '../db/connect.js';

export function healthRouter(): Router {
  const router = Router();
  router.get('/healthz', health);
  return router;
}

async function health(_req: Request, res: Response) {
  const up = await pingDatabase();
  res.set('Cache-Control', 'no-store');
  res.status(up ? 200 : 503).json({ status: up ? 'ok' : 'error', db: up ? 'up' : 'down' });
}
