// Which errors the error handler answers with 503 and Retry-After rather than a 500: the driver's classes
// for an unreachable server, and Node's own errors for a connection that was cut, which the driver passes
// on unwrapped when it writes a command to a socket the engine has just closed (seen in
// test/db/outage.test.ts: a killed FerretDB, then "This socket has been ended by the other party").
import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import express from 'express';
import mongoose from 'mongoose';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { isConnectionDropped, isDatabaseUnavailable } from '../../src/db/outage.js';
import { errorHandler } from '../../src/http/error-handler.js';
import { configureViews } from '../../src/http/views.js';
import { can } from '../../src/site/permissions.js';
import { DEFAULT_SETTINGS, getSettings, loadedSettings } from '../../src/site/settings.service.js';
import { testConfig } from '../support/app.js';

/** The error Node gives a write to a socket whose other end has closed it: made for real, not imitated. */
async function writeAfterTheOtherEndClosed(): Promise<Error> {
  const server = createServer((socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  socket.resume();
  await once(socket, 'end');
  const failed = new Promise<Error>((resolve) => socket.once('error', resolve));
  socket.write('hello');
  const err = await failed;
  socket.destroy();
  server.close();
  return err;
}

function appThrowing(err: Error) {
  const app = express();
  configureViews(app);
  app.get('/fails', () => {
    throw err;
  });
  const config = testConfig();
  app.use(errorHandler(pino({ level: 'silent' }), false, { siteUrl: config.siteUrl, loadedSettings, getSettings, defaultSettings: DEFAULT_SETTINGS, can }));
  return app;
}

describe('errors that mean "try again shortly"', () => {
  it('answers a write to a socket the other end closed (EPIPE, unwrapped) with 503 and Retry-After', async () => {
    const err = await writeAfterTheOtherEndClosed();
    expect((err as NodeJS.ErrnoException).code).toBe('EPIPE');
    expect(isConnectionDropped(err)).toBe(true);
    // Also when a library wraps it as the cause of its own error.
    expect(isConnectionDropped(new Error('send failed', { cause: err }))).toBe(true);

    const res = await request(appThrowing(err)).get('/fails');
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('Temporarily unavailable');
  });

  it('answers the driver\'s network error as the database being down, and a plain bug with a 500', async () => {
    const network = new mongoose.mongo.MongoNetworkError('connection 3 to 127.0.0.1:1 closed');
    expect(isDatabaseUnavailable(network)).toBe(true);
    // Asked for JSON, the answer says which (a page says "Temporarily unavailable" for both).
    const down = await request(appThrowing(network)).get('/fails').set('Accept', 'application/json');
    expect(down.status).toBe(503);
    expect(down.body.error.message).toMatch(/^The database is not answering right now/);

    const bug = new TypeError("Cannot read properties of undefined (reading 'title')");
    expect(isConnectionDropped(bug)).toBe(false);
    expect(isDatabaseUnavailable(bug)).toBe(false);
    expect((await request(appThrowing(bug)).get('/fails')).status).toBe(500);
  });
});
