// Many slow uploads at once cannot pile up in memory: beyond MAX_UPLOADS_IN_FLIGHT the next one is 503,
// and the slots come back when those requests end.
import { request as httpRequest, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { MAX_UPLOADS_IN_FLIGHT, uploadsInProgress } from '../../src/http/upload.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makeImage, upload } from '../support/media.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
const server = app.listen(0, '127.0.0.1');
let author: TestSession;
// The stalled uploads come from several authors: one user alone may have only a few requests at once
// (src/http/user-limits.ts), and the bound under test is the one over everyone's uploads.
let stallers: TestSession[];

beforeAll(async () => {
  author = sessionFor(await makeUser({ role: 'author' }), config);
  stallers = await Promise.all(Array.from({ length: 4 }, async () => sessionFor(await makeUser({ role: 'author' }), config)));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Starts an upload that declares 100 KB and sends only its first bytes, then stalls. */
function stalledUpload(by: TestSession): ClientRequest {
  const { port } = server.address() as AddressInfo;
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: `/media?_csrf=${encodeURIComponent(by.csrf)}`,
    headers: {
      cookie: by.cookie,
      'content-type': 'multipart/form-data; boundary=slow',
      'content-length': String(100 * 1024),
    },
  });
  req.on('error', () => {});
  req.write('--slow\r\nContent-Disposition: form-data; name="file"; filename="slow.jpg"\r\nContent-Type: image/jpeg\r\n\r\n');
  return req;
}

it('refuses the upload beyond the limit with 503, and frees the slots when the stalled ones end', async () => {
  const stalled = Array.from({ length: MAX_UPLOADS_IN_FLIGHT }, (_, i) => stalledUpload(stallers[i % stallers.length]!));
  await vi.waitFor(() => expect(uploadsInProgress()).toBe(MAX_UPLOADS_IN_FLIGHT), { timeout: 10_000 });

  const refused = await upload(app, author, await makeImage('jpeg'), { filename: 'one-too-many.jpg' });
  expect(refused.status).toBe(503);
  expect(refused.headers['retry-after']).toBeDefined();

  for (const req of stalled) req.destroy();
  await vi.waitFor(() => expect(uploadsInProgress()).toBe(0), { timeout: 10_000 });
  const accepted = await upload(app, author, await makeImage('jpeg'), { filename: 'after.jpg' });
  expect(accepted.status).toBe(303);
});

it('a chunked upload (no declared length) is still held to the file size limit', async () => {
  const { port } = server.address() as AddressInfo;
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/media?_csrf=${encodeURIComponent(author.csrf)}`,
        headers: { cookie: author.cookie, 'content-type': 'multipart/form-data; boundary=chunky', 'transfer-encoding': 'chunked' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.write('--chunky\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n');
    const chunk = Buffer.alloc(1024 * 1024, 0xff);
    for (let i = 0; i <= config.maxUploadBytes / chunk.length; i++) req.write(chunk);
    req.end('\r\n--chunky--\r\n');
  });
  expect(status).toBe(413);
});
