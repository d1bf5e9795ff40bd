#!/usr/bin/env node
// npm run bench: Quire's compiled server in production mode on seeded data, loaded on 127.0.0.1 with
// autocannon beside two ceilings in the same run (a bare Express "hello world" and a bare Express route
// rendering the same home template from memory). Prints requests/s, p50/p99 latency and peak RSS per
// route with each route's throughput as a ratio to hello world, then a scale table at 1,000 and 100,000
// posts. Bounded: every run has a fixed duration; all traffic goes to 127.0.0.1.
//
//   npm run bench                       full run (seeds 1,000 and 100,000 posts; about 6 minutes)
//   npm run bench -- --quick            shorter runs, scale table at 1,000 posts only (add --large N for more)
//   npm run bench -- --duration 5 --connections 50 --large 20000
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchTransfer } from './bench-transfer.mjs';

const root = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    'scale-duration': { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    small: { type: 'string', default: '1000' },
    large: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const duration = args.quick ? 3 : Number(args.duration);
const scaleDuration = args.quick ? 2 : Number(args['scale-duration']);
const connections = Number(args.connections);
// --quick measures the small site only, unless --large is given too.
const sizes = args.quick && args.large === undefined ? [Number(args.small)] : [Number(args.small), Number(args.large ?? 100_000)];
const ACCEPT = { 'accept-encoding': 'gzip, br', accept: 'text/html,application/xhtml+xml' };

const work = mkdtempSync(join(tmpdir(), 'quire-bench-'));
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function start(script, scriptArgs, env) {
  const child = spawn(process.execPath, [script, ...scriptArgs], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout.on('data', (c) => (output = (output + c).slice(-20000)));
  child.stderr.on('data', (c) => (output = (output + c).slice(-20000)));
  child.output = () => output;
  child.on('exit', () => children.delete(child));
  return child;
}

async function run(script, scriptArgs, env) {
  const child = start(script, scriptArgs, env);
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${script} ${scriptArgs.join(' ')} exited ${code}\n${child.output()}`);
  return child.output();
}

async function waitForHttp(url, child) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not yet listening
    }
    if (child.exitCode !== null) throw new Error(`process exited early:\n${child.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${url}\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts a listening process on a free port and waits until `probe` answers. Other programs on the machine
 * may take the port between the check and the listen: then it tries another one.
 */
async function listening(script, scriptArgs, envFor, probe) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = start(script, scriptArgs(port), envFor(port));
    try {
      await waitForHttp(`http://127.0.0.1:${port}${probe}`, child);
      return { child, port, base: `http://127.0.0.1:${port}` };
    } catch (err) {
      if (attempt >= 5 || !/EADDRINUSE/.test(String(err))) throw err;
      log(`port ${port} was taken; trying another`);
    }
  }
}

function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb * 1024;
  } catch {
    return 0;
  }
}

/** The machine's busy share of CPU time over `ms`, from /proc/stat (all cores). */
async function busyShare(ms) {
  const sample = () => {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const values = fields.map(Number);
    const idle = values[3] + (values[4] ?? 0);
    return { idle, total: values.reduce((a, b) => a + b, 0) };
  };
  const a = sample();
  await new Promise((r) => setTimeout(r, ms));
  const b = sample();
  return 1 - (b.idle - a.idle) / Math.max(b.total - a.total, 1);
}

/**
 * Waits (up to a minute) until the machine is nearly idle for two seconds in a row, so that a site is
 * measured in its steady state and not while the database or the server still digest a start or a seed.
 */
async function settle() {
  const started = Date.now();
  let quiet = 0;
  while (quiet < 2 && Date.now() - started < 60_000) quiet = (await busyShare(1000)) < 0.15 ? quiet + 1 : 0;
  log(`  settled in ${((Date.now() - started) / 1000).toFixed(0)} s${quiet < 2 ? ' (still busy: numbers may be noisy)' : ''}`);
}

/** One request, timed (the first request of a route shows what a cold cache costs). */
async function timed(url) {
  const started = performance.now();
  const res = await fetch(url, { headers: ACCEPT });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return performance.now() - started;
}

// One counter for the whole run: a "unique" URL is never asked for twice, by any route or table (the page
// cache keeps a page from the second time its URL is asked for).
let uniqueRequests = 0;

/**
 * Loads one URL (or a URL made unique per request, so the page cache never answers) and samples the
 * server's RSS meanwhile. First a few requests and a one-second burst outside the measurement, so every
 * route, ceilings included, is measured warm (caches filled, the JIT done with the code it runs).
 */
async function load(label, base, path, pid, { seconds = duration, unique = false } = {}) {
  const pathFor = () => (unique ? `${path}${path.includes('?') ? '&' : '?'}bench=${uniqueRequests++}` : path);
  for (let i = 0; i < 3; i++) await timed(`${base}${pathFor()}`);
  const options = (time) => ({
    url: base,
    connections,
    duration: time,
    headers: ACCEPT,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: pathFor() }) }],
  });
  await autocannon(options(1));
  let peak = rssOf(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 100);
  const result = await autocannon(options(seconds));
  clearInterval(sampler);
  return {
    label,
    path,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rssMb: peak / 1024 / 1024,
    errors: result.non2xx + result.errors + result.timeouts,
    requests: result.requests.total,
  };
}

function table(rows, helloRps, helloP99) {
  const lines = [
    '| route | req/s | p50 ms | p99 ms | peak RSS MB | vs hello world | p99 vs hello | non-2xx |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.rssMb.toFixed(0)} | ${((r.rps / helloRps) * 100).toFixed(0)}% | ${(r.p99 / Math.max(helloP99, 1)).toFixed(1)}x | ${r.errors} |`,
    );
  }
  return lines.join('\n');
}

/** A post and a tag linked from the home page's HTML, as a visitor would find them. */
function linksOf(home) {
  const post = /href="(\/posts\/[a-z0-9-]+)"/.exec(home)?.[1];
  const tag = /href="(\/tags\/[a-z0-9-]+)"/.exec(home)?.[1];
  if (!post || !tag) throw new Error('the seeded home page links no post or tag');
  return { post, tag };
}

/** A word of the post's title to search for. */
function wordOf(postHtml) {
  const title = /<h1[^>]*>([^<]+)<\/h1>/.exec(postHtml)?.[1] ?? 'the';
  return (title.split(/\s+/).find((w) => /^[A-Za-z]{4,}$/.test(w)) ?? 'the').toLowerCase();
}

function ratio(value, base) {
  return `${(value / Math.max(base, 1)).toFixed(2)}x`;
}

async function main() {
  const started = Date.now();
  const { startEmbedded } = await import(join(root, 'dist/db/embedded.js'));
  const { pino } = await import('pino');
  const baseEnv = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', JWT_SECRET: 'bench-secret-0123456789-0123456789-0123456789' };
  const load1 = loadavg()[0];
  log(`${cpus().length} cores, load average ${load1.toFixed(2)}`);
  if (load1 > 1.5) log('warning: the machine is busy; numbers from this run are not worth recording');
  let embedded;
  let mongoBase = process.env.MONGODB_URI;
  if (!mongoBase) {
    embedded = await startEmbedded({ dataDir: join(work, 'db'), logger: pino({ level: 'warn' }), ferretdbBin: process.env.FERRETDB_BIN || undefined });
    mongoBase = embedded.uri;
    log(`database: ${embedded.engine}`);
  }
  const uriFor = (name) => mongoBase.replace(/\/?(\?.*)?$/, `/${name}$1`).replace(/undefined$/, '');

  async function site(postCount) {
    const name = `quire_bench_${postCount}`;
    const env = { ...baseEnv, MONGODB_URI: uriFor(name), DATA_DIR: join(work, 'data'), UPLOAD_DIR: join(work, `uploads-${postCount}`) };
    let t = Date.now();
    log(`seeding ${postCount.toLocaleString('en')} posts...`);
    await run('dist/cli/seed.js', ['--force', '--quiet', '--posts', String(postCount)], env);
    const seededIn = (Date.now() - t) / 1000;
    log(`  seeded in ${seededIn.toFixed(0)} s`);
    return { ...(await serve(env)), env, seededIn };
  }

  /** A fresh server process on a seeded site's database. */
  async function serve(env) {
    const t = Date.now();
    const { child: server, base } = await listening('dist/server.js', () => [], (port) => ({ ...env, PORT: String(port), SITE_URL: `http://127.0.0.1:${port}` }), '/healthz');
    log(`  server up in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return { base, server };
  }

  // Ceilings, in the same run.
  const hello = await listening('scripts/bench-baselines.mjs', (port) => ['hello', String(port)], () => baseEnv, '/');

  const small = await site(sizes[0]);
  // The first requests of a fresh server, one at a time: what the first visitors after a start wait for.
  const coldSmall = await coldStart(small.base, sizes[0]);
  await settle();
  const render = await listening('scripts/bench-baselines.mjs', (port) => ['render', String(port)], () => small.env, '/');

  const { post, tag } = coldSmall.links;
  const word = coldSmall.word;
  log(`routes: ${post}, ${tag}, search "${word}"`);
  const pid = small.server.pid;

  const rows = [];
  rows.push(await load('bare Express hello world', hello.base, '/', hello.child.pid));
  rows.push(await load('bare Express render of the home template', render.base, '/', render.child.pid));
  for (const [label, path, unique] of [
    ['GET /', '/', false],
    ['GET post page', post, false],
    ['GET tag page', tag, false],
    [`GET /search?q=${word}`, `/search?q=${encodeURIComponent(word)}`, false],
    ['GET /feed.xml', '/feed.xml', false],
    ['GET / (page-cache miss: unique URL each request)', '/', true],
    ['GET post page (page-cache miss)', post, true],
  ]) {
    log(`loading ${label}`);
    rows.push(await load(label, small.base, path, pid, { unique }));
  }
  hello.child.kill('SIGTERM');
  render.child.kill('SIGTERM');
  const helloRow = rows[0];
  const mainTable = table(rows, helloRow.rps, helloRow.p99);

  // Scale: the same routes at each size, as page-cache misses (unique URLs) so the application does the
  // work. One site at a time: the smaller one is stopped before the larger one is seeded.
  const scaleRows = [];
  const seeded = [];
  for (const [i, count] of sizes.entries()) {
    // Every size on a server process started for it (the small site's first one has served the table
    // above, and a process that has run longer is faster).
    if (i === 0) {
      small.server.kill('SIGTERM');
      await once(small.server, 'exit');
      log(`restarting the ${count.toLocaleString('en')}-post site`);
    }
    const s = i === 0 ? { ...small, ...(await serve(small.env)) } : await site(count);
    const cold = await coldStart(s.base, count, word);
    await settle();
    seeded.push(s.seededIn);
    // Every size is measured in the same state: after an unmeasured burst over all its routes (a server
    // that has just built its reading index still carries that build's garbage; the start-up itself is
    // the "first request after start" column).
    log(`scale ${count.toLocaleString('en')}: warming up`);
    for (const [, path] of scaleRoutes(cold.links, word, count)) {
      const unique = (req) => ({ ...req, path: `${path}${path.includes('?') ? '&' : '?'}warm=${uniqueRequests++}` });
      await autocannon({ url: s.base, connections, duration: args.quick ? 1 : 2, headers: ACCEPT, requests: [{ method: 'GET', setupRequest: unique }] });
    }
    for (const [route, path] of scaleRoutes(cold.links, word, count)) {
      log(`scale ${count.toLocaleString('en')}: ${route}`);
      const r = await load(`${route} @ ${count.toLocaleString('en')} posts`, s.base, path, s.server.pid, { seconds: scaleDuration, unique: true });
      scaleRows.push({ ...r, route, size: count, firstMs: cold.times[route] });
    }
    s.server.kill('SIGTERM');
    await once(s.server, 'exit');
  }
  const scaleLines = [
    '| route | posts | req/s | p50 ms | p99 ms | p50 vs smallest | p99 vs smallest | first request after start, ms | peak RSS MB | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of scaleRows) {
    const baseRow = scaleRows.find((x) => x.route === r.route && x.size === sizes[0]);
    scaleLines.push(
      `| ${r.route} | ${r.size.toLocaleString('en')} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${ratio(r.p50, baseRow.p50)} | ${ratio(r.p99, baseRow.p99)} | ${r.firstMs === undefined ? '' : Math.round(r.firstMs)} | ${r.rssMb.toFixed(0)} | ${r.errors} |`,
    );
  }
  const scaleTable = scaleLines.join('\n');
  const seeding = seeded.map((seconds, i) => `${sizes[i].toLocaleString('en')} posts seeded in ${seconds.toFixed(0)} s`).join(', ');

  // Export and import throughput (scripts/bench-transfer.mjs), on databases of their own.
  const transferTable = await benchTransfer({ uriFor, baseEnv, work, log, posts: args.quick ? 1000 : 10_000 });

  const header = [
    `Quire bench ${new Date().toISOString()} · node ${process.version} · ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}) · load average at start ${load1.toFixed(2)}`,
    `${connections} connections · ${duration} s per route (scale: ${scaleDuration} s, page-cache misses) · accept-encoding: gzip, br · ${embedded?.engine ?? 'MONGODB_URI'} · ${seeding}`,
  ].join('\n');
  const report = `${header}\n\n${mainTable}\n\n${scaleTable}\n\n${transferTable}\n`;
  console.log(`\n${report}`);
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(join(root, 'bench-results', 'latest.md'), report);
  writeFileSync(join(root, 'bench-results', 'latest.json'), JSON.stringify({ rows, scaleRows, connections, duration, scaleDuration, load: load1 }, null, 2));
  log(`done in ${((Date.now() - started) / 60000).toFixed(1)} min; written to bench-results/latest.md`);

  await embedded?.stop();
}

/** The routes of the scale table: [label, path]. */
function scaleRoutes({ post, tag }, word, size) {
  const deep = Math.max(1, Math.min(Math.floor(size / 10), 90));
  return [
    ['home', '/'],
    [`deep page (?page=${deep})`, `/?page=${deep}`],
    ['tag page', tag],
    ['post page', post],
    ['search', `/search?q=${encodeURIComponent(word)}`],
  ];
}

/**
 * On a server that has served nothing yet: each scale route once, in order, timed (what the first
 * visitors after a start wait for). Also finds the routes: a post and a tag from the home page, and,
 * unless given, the search word from that post's title.
 */
async function coldStart(base, size, givenWord) {
  const times = {};
  let started = performance.now();
  const homeRes = await fetch(`${base}/`, { headers: ACCEPT });
  const home = await homeRes.text();
  times.home = performance.now() - started;
  const links = linksOf(home);
  let word = givenWord;
  for (const [route, routePath] of scaleRoutes(links, '', size).slice(1)) {
    // The post page comes before search: its title gives the word when none was given.
    const path = route === 'search' ? `/search?q=${encodeURIComponent(word)}` : routePath;
    started = performance.now();
    const res = await fetch(`${base}${path}`, { headers: ACCEPT });
    const html = await res.text();
    times[route] = performance.now() - started;
    if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
    if (route === 'post page' && !word) word = wordOf(html);
  }
  log(`  first requests (ms): ${Object.entries(times).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`);
  return { times, links, word };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
