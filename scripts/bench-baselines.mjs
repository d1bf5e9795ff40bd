#!/usr/bin/env node
// The ceilings `npm run bench` compares Quire against, run in the same bench:
//   node   PORT   a bare node:http "hello world" (what the platform itself serves)
//   hello  PORT   a bare Express "hello world"
//   render PORT   a bare Express route rendering Quire's home template (with its layout) from an in-memory
//                 array: the home page's data is read once at start-up, then every request only renders.
//   replay PORT URL  a bare node:http server that answers every request with the response URL gave once at
//                 start-up (a Quire page-cache hit: the same status, headers and compressed bytes), doing
//                 nothing else: the floor under a hit, set by the response's size and not by Quire's code.
import express from 'express';
import { createServer, get } from 'node:http';
import { resolve } from 'node:path';

const [mode, port] = process.argv.slice(2);
const root = resolve(import.meta.dirname, '..');
const app = express();

if (mode === 'node') {
  createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Hello World!');
  }).listen(Number(port), '127.0.0.1');
} else if (mode === 'hello') {
  app.get('/', (_req, res) => {
    res.send('Hello World!');
  });
} else if (mode === 'replay') {
  const { head, body } = await fetchRaw(process.argv[4]);
  createServer((_req, res) => {
    res.writeHead(200, head);
    res.end(body);
  }).listen(Number(port), '127.0.0.1');
} else if (mode === 'render') {
  const { renderHomeBaseline } = await import(`${root}/dist/cli/bench-baseline.js`);
  await renderHomeBaseline(app);
} else {
  console.error('usage: bench-baselines.mjs node|hello|render PORT | replay PORT URL');
  process.exit(2);
}

if (mode === 'hello' || mode === 'render') app.listen(Number(port), '127.0.0.1');

/** URL's response as sent (compressed as the bench asks), asked for twice so the second is a page-cache hit. */
async function fetchRaw(url) {
  const once = () =>
    new Promise((resolve, reject) => {
      get(url, { headers: { 'accept-encoding': 'gzip, br', accept: 'text/html,application/xhtml+xml' } }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
  await once();
  const { res, body } = await once();
  if (res.statusCode !== 200 || res.headers['x-page-cache'] !== 'hit') throw new Error(`replay: ${url} gave ${res.statusCode}, X-Page-Cache ${res.headers['x-page-cache']}`);
  // Node sets these itself, per connection and per response.
  const head = [];
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    if (!/^(date|connection|keep-alive|transfer-encoding)$/i.test(res.rawHeaders[i])) head.push(res.rawHeaders[i], res.rawHeaders[i + 1]);
  }
  return { head, body };
}
