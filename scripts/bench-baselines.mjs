#!/usr/bin/env node
// The ceilings `npm run bench` compares Quire against, run in the same bench:
//   hello  PORT   a bare Express "hello world"
//   render PORT   a bare Express route rendering Quire's home template (with its layout) from an in-memory
//                 array: the home page's data is read once at start-up, then every request only renders.
import express from 'express';
import { resolve } from 'node:path';

const [mode, port] = process.argv.slice(2);
const root = resolve(import.meta.dirname, '..');
const app = express();

if (mode === 'hello') {
  app.get('/', (_req, res) => {
    res.send('Hello World!');
  });
} else if (mode === 'render') {
  const { renderHomeBaseline } = await import(`${root}/dist/cli/bench-baseline.js`);
  await renderHomeBaseline(app);
} else {
  console.error('usage: bench-baselines.mjs hello|render PORT');
  process.exit(2);
}

app.listen(Number(port), '127.0.0.1');
