#!/usr/bin/env node
// The ceilings `npm run bench` compares Quire against, run in the same bench:
//   node   PORT   a bare node:http "hello world" (what the platform itself serves)
//   hello  PORT   a bare Express "hello world"
//   render PORT   a bare Express route rendering Quire's home template (with its layout) from an in-memory
//                 array: the home page's data is read once at start-up, then every request only renders.
import express from 'express';
import { createServer } from 'node:http';
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
} else if (mode === 'render') {
  const { renderHomeBaseline } = await import(`${root}/dist/cli/bench-baseline.js`);
  await renderHomeBaseline(app);
} else {
  console.error('usage: bench-baselines.mjs node|hello|render PORT');
  process.exit(2);
}

if (mode !== 'node') app.listen(Number(port), '127.0.0.1');
