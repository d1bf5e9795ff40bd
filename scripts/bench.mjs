#!/usr/bin/env node
// npm run bench: Quire's compiled server in production mode on seeded data, loaded on 127.0.0.1 with
// autocannon, in rounds that alternate every route with its ceilings in the same run: a bare node:http
// "hello world", a bare Express "hello world" and a bare Express route rendering the same home template from
// memory. Each round records the machine's load average before it starts; the table gives, per route, the
// median over the rounds and the spread (min-max) of requests/s, p50/p99 latency, and its throughput as a
// ratio to each hello world (ratios taken within each round, so a busy round moves both sides), and the
// server process's own CPU time per request with the same ratio to Express hello world's (client and
// server share the two cores, so requests/s also measures the client and the machine's other tenants; CPU
// per request does not). Signed-in
// pages (dashboard, editor) and an upload are timed one request at a time (a user's requests are bounded
// per minute: src/http/user-limits.ts). Then a scale table at 1,000 and 100,000 posts. Bounded: every run
// has a fixed duration; all traffic goes to 127.0.0.1.
//
// The server runs as `npm start` runs it in production: its default log level (info, one JSON line per
// request, written to a file), not a quieter one, so that the numbers are those of a deployed Quire.
//
//   npm run bench                       full run (3 rounds; seeds 1,000 and 100,000 posts; 25 minutes at a load of 15);
//                                       writes bench-results/latest.md and the README's tables
//   BENCH_QUICK=1 npm run bench         (or -- --quick) 3 short rounds, scale table at 1,000 posts only
//                                       (add --large N for more); writes bench-results/latest.md only
//   npm run bench -- --rounds 5 --duration 5 --connections 50 --large 20000 --log-level warn
import autocannon from 'autocannon';
import PipelinedRequestsQueue from 'autocannon/lib/pipelinedRequestsQueue.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    rounds: { type: 'string', default: '3' },
    small: { type: 'string', default: '1000' },
    large: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    'no-readme': { type: 'boolean', default: false },
  },
});
const quick = args.quick || process.env.BENCH_QUICK === '1';
const duration = quick ? 3 : Number(args.duration);
const scaleDuration = quick ? 2 : Number(args['scale-duration']);
const connections = Number(args.connections);
const rounds = Math.max(Number(args.rounds), 1);
// --quick measures the small site only, unless --large is given too.
const sizes = quick && args.large === undefined ? [Number(args.small)] : [Number(args.small), Number(args.large ?? 100_000)];
// autocannon (8.x) appends every response body to a string (`req.body += chunk`), which decodes each
// compressed page as UTF-8 in the client: on two shared cores that decoding, not the server, set the pace
// of every compressed route (a same-size ASCII body measured 10,400–11,800 req/s, the real gzip body
// 6,100–7,800, a bare node:http server replaying it 6,000–6,600), while the hello worlds' 12-byte bodies
// cost it nothing. No route here reads bodies (no expectBody, verifyBody or onResponse), so they are
// dropped unread; their bytes are still counted. If autocannon's internals move, stop rather than measure
// the client again.
if (typeof PipelinedRequestsQueue?.prototype?.addBody !== 'function') {
  throw new Error('autocannon no longer has PipelinedRequestsQueue#addBody: see the comment above it in scripts/bench.mjs');
}
PipelinedRequestsQueue.prototype.addBody = function dropBodyUnread() {};

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

// The Node options `npm start` gives the server (package.json), as the README's Performance section says:
// V8's young generation capped at 2 x 32 MB (Node sizes it from the machine's memory, up to 2 x 64 MB here),
// and the old generation let grow to 1.5 times what the last full collection left before the next one.
const START_SCRIPT = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
const SERVER_NODE_OPTIONS = /\bnode((?: --\S+)*) scripts\/node24\.mjs dist\/server\.js/.exec(START_SCRIPT)?.[1].trim().split(' ').filter(Boolean);
// Measuring a server started otherwise than `npm start` starts it would measure something else.
if (!SERVER_NODE_OPTIONS) throw new Error(`package.json's start script is not "... node [options] scripts/node24.mjs dist/server.js": ${START_SCRIPT}`);

/** Starts a Node script; with `logFile`, its standard output goes there (as a deployment's logs would), not through this process. */
function start(script, scriptArgs, env, logFile) {
  const fd = logFile ? openSync(logFile, 'a') : undefined;
  const nodeOptions = script === 'dist/server.js' ? SERVER_NODE_OPTIONS : [];
  const child = spawn(process.execPath, [...nodeOptions, script, ...scriptArgs], { cwd: root, env, stdio: ['ignore', fd ?? 'pipe', 'pipe'] });
  if (fd !== undefined) closeSync(fd);
  children.add(child);
  let output = '';
  child.stdout?.on('data', (c) => (output = (output + c).slice(-20000)));
  child.stderr.on('data', (c) => (output = (output + c).slice(-20000)));
  child.output = () => (logFile ? readFileSync(logFile, 'utf8').slice(-10000) : '') + output;
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
async function listening(script, scriptArgs, envFor, probe, logFile) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = start(script, scriptArgs(port), envFor(port), logFile);
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

// Clock ticks per second of /proc's CPU times: USER_HZ, 100 on every Linux this runs on.
const TICKS_PER_SECOND = 100;

/** CPU time a process has used so far (user and system, all its threads), in ms; null when unknown. */
function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from the third: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
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
  const cpuBefore = cpuMsOf(pid);
  const result = await autocannon(options(seconds));
  const cpuAfter = cpuMsOf(pid);
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
    // The server's own CPU time per request (µs): what a request costs it, whatever the client (which
    // shares the two cores) and the machine's other tenants take. Requests/s moves with both.
    cpuUs: cpuBefore !== null && cpuAfter !== null && result.requests.total > 0 ? ((cpuAfter - cpuBefore) * 1000) / result.requests.total : null,
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const spread = (values, format = (v) => String(Math.round(v))) => (values.length > 1 ? `${format(Math.min(...values))}–${format(Math.max(...values))}` : '');
const pct = (v) => `${(v * 100).toFixed(0)}%`;

/**
 * The main table from interleaved rounds: per route the median and spread of its rounds, and its ratio to
 * each hello world taken within each round (then the median and spread of those ratios).
 */
function roundsTable(targets, results, nodeLabel, expressLabel) {
  const lines = [
    '| route | req/s (median) | req/s min–max | p50 ms | p99 ms (median, max) | vs node:http hello (min–max) | vs Express hello (min–max) | p99 vs Express hello | server CPU µs per request (min–max) | vs Express hello by server CPU (min–max) | peak RSS MB | non-2xx or failed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const node = results.get(nodeLabel);
  const express = results.get(expressLabel);
  for (const { label } of targets) {
    const runs = results.get(label);
    const rps = runs.map((r) => r.rps);
    const vsNode = runs.map((r, i) => r.rps / node[i].rps);
    const vsExpress = runs.map((r, i) => r.rps / express[i].rps);
    const p99 = median(runs.map((r) => r.p99));
    const cpu = runs.map((r) => r.cpuUs).filter((v) => v !== null);
    // Express hello world's CPU per request over this route's, round by round: the rate this route would
    // reach against it if the server had the cores to itself.
    const byCpu = runs.map((r, i) => (r.cpuUs && express[i].cpuUs ? express[i].cpuUs / r.cpuUs : null)).filter((v) => v !== null);
    const cpuCells = cpu.length === runs.length && byCpu.length === runs.length ? `${Math.round(median(cpu))} (${spread(cpu)}) | ${pct(median(byCpu))} (${spread(byCpu, pct)})` : 'n/a | n/a';
    lines.push(
      `| ${label} | ${Math.round(median(rps))} | ${spread(rps)} | ${median(runs.map((r) => r.p50))} | ${p99}, ${Math.max(...runs.map((r) => r.p99))} | ${pct(median(vsNode))} (${spread(vsNode, pct)}) | ${pct(median(vsExpress))} (${spread(vsExpress, pct)}) | ${(p99 / Math.max(median(express.map((r) => r.p99)), 1)).toFixed(1)}x | ${cpuCells} | ${Math.max(...runs.map((r) => r.rssMb)).toFixed(0)} | ${runs.reduce((n, r) => n + r.errors, 0)} |`,
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
  // The server's own default log level unless --log-level says otherwise (see the top of this file).
  const baseEnv = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: args['log-level'], JWT_SECRET: 'bench-secret-0123456789-0123456789-0123456789' };
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
    if (postCount === sizes[0]) {
      await run('dist/cli/create-admin.js', ['--username', BENCH_USER, '--email', 'bench@example.org', '--display-name', 'Bench', '--password', BENCH_PASSWORD], env);
    }
    const seededIn = (Date.now() - t) / 1000;
    log(`  seeded in ${seededIn.toFixed(0)} s`);
    return { ...(await serve(env)), env, seededIn };
  }

  /** A fresh server process on a seeded site's database. */
  async function serve(env) {
    const t = Date.now();
    const logFile = join(work, `server-${Date.now()}.log`);
    const { child: server, base } = await listening('dist/server.js', () => [], (port) => ({ ...env, PORT: String(port), SITE_URL: `http://127.0.0.1:${port}` }), '/healthz', logFile);
    log(`  server up in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return { base, server };
  }

  // Ceilings, in the same run.
  const nodeHello = await listening('scripts/bench-baselines.mjs', (port) => ['node', String(port)], () => baseEnv, '/');
  const hello = await listening('scripts/bench-baselines.mjs', (port) => ['hello', String(port)], () => baseEnv, '/');

  const small = await site(sizes[0]);
  // The first requests of a fresh server, one at a time: what the first visitors after a start wait for.
  const coldSmall = await coldStart(small.base, sizes[0]);
  await settle();
  const render = await listening('scripts/bench-baselines.mjs', (port) => ['render', String(port)], () => ({ ...small.env, LOG_LEVEL: 'warn' }), '/');
  const replay = await listening('scripts/bench-baselines.mjs', (port) => ['replay', String(port), `${small.base}/`], () => baseEnv, '/');

  const { post, tag } = coldSmall.links;
  const word = coldSmall.word;
  log(`routes: ${post}, ${tag}, search "${word}"`);
  const pid = small.server.pid;

  const NODE_HELLO = 'bare node:http hello world';
  const EXPRESS_HELLO = 'bare Express hello world';
  const targets = [
    { label: NODE_HELLO, base: nodeHello.base, path: '/', pid: nodeHello.child.pid },
    { label: EXPRESS_HELLO, base: hello.base, path: '/', pid: hello.child.pid },
    { label: 'bare Express render of the home template', base: render.base, path: '/', pid: render.child.pid },
    { label: 'bare node:http replay of the GET / hit (its headers and bytes)', base: replay.base, path: '/', pid: replay.child.pid },
    { label: 'GET / (page-cache hit)', base: small.base, path: '/', pid },
    { label: 'GET post page (page-cache hit)', base: small.base, path: post, pid },
    { label: 'GET tag page (hit)', base: small.base, path: tag, pid },
    { label: `GET /search?q=${word} (hit)`, base: small.base, path: `/search?q=${encodeURIComponent(word)}`, pid },
    { label: 'GET /feed.xml (hit)', base: small.base, path: '/feed.xml', pid },
    { label: 'GET / (page-cache miss: unique URL each request)', base: small.base, path: '/', pid, unique: true },
    { label: 'GET post page (page-cache miss)', base: small.base, path: post, pid, unique: true },
  ];
  const results = new Map(targets.map((t) => [t.label, []]));
  const loads = [];
  for (let round = 1; round <= rounds; round++) {
    const load1 = loadavg()[0];
    loads.push(load1);
    log(`round ${round}/${rounds} (load average ${load1.toFixed(2)})`);
    // Each round in another order of its routes (rotated), so no route is always measured right after the same one.
    const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]);
    for (const t of order) {
      log(`  ${t.label}`);
      results.get(t.label).push(await load(t.label, t.base, t.path, t.pid, { unique: t.unique }));
    }
  }
  nodeHello.child.kill('SIGTERM');
  hello.child.kill('SIGTERM');
  render.child.kill('SIGTERM');
  replay.child.kill('SIGTERM');
  const mainTable = roundsTable(targets, results, NODE_HELLO, EXPRESS_HELLO);
  const signedInTable = await signedIn(small.base, post, rounds);
  const header = [
    `Quire bench ${new Date().toISOString()} · Node ${process.version} (server and client) · ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}) · load average at start ${load1.toFixed(2)}, before each round ${loads.map((l) => l.toFixed(2)).join(', ')}`,
    `${rounds} interleaved rounds · ${connections} connections · ${duration} s per route after a 1 s warm-up · accept-encoding: gzip, br (bodies counted, not decoded, by the client) · server LOG_LEVEL=${args['log-level']} (to a file) · ${embedded?.engine ?? 'MONGODB_URI'} · ${sizes[0].toLocaleString('en')} posts`,
  ].join('\n');
  // Written now, so that a run stopped during the (long) scale table still leaves its main tables.
  const mainReport = `${header}\n\n${mainTable}\n\n${signedInTable}`;
  writeResults(`${mainReport}\n`, { results: Object.fromEntries(results), connections, duration, rounds, loads, node: process.version });
  if (!quick && !args['no-readme']) writeReadme(mainReport);

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
  const transferTable = await benchTransfer({ uriFor, baseEnv, work, log, posts: quick ? 1000 : 10_000 });

  const scaleReport = `Scale (page-cache misses, ${scaleDuration} s per route; ${seeding}; the same run, load average ${loadavg()[0].toFixed(2)} at its end):\n\n${scaleTable}`;
  const report = `${mainReport}\n\n${scaleReport}\n\n${transferTable}\n`;
  console.log(`\n${report}`);
  if (!quick && !args['no-readme']) writeReadme(`${scaleReport}\n\n${transferTable}`, 'bench-scale');
  writeResults(report, { results: Object.fromEntries(results), scaleRows, connections, duration, scaleDuration, rounds, loads, node: process.version });
  log(`done in ${((Date.now() - started) / 60000).toFixed(1)} min; written to bench-results/latest.md${quick || args['no-readme'] ? '' : ' and README.md'}`);

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

const BENCH_USER = 'benchadmin';
const BENCH_PASSWORD = 'bench-password-long-enough-0123456789';

/** Cookie pairs of a response's Set-Cookie headers merged into `jar` (name -> value). */
function keepCookies(jar, res) {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return jar;
}
const cookieHeader = (jar) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
const csrfOf = (html) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

/**
 * Signed-in pages, timed one request at a time (each user's requests are bounded per minute, so these are
 * latencies, not throughput): the dashboard, the editor of a post, and an upload through the media form.
 */
async function signedIn(base, post, roundCount) {
  const jar = new Map();
  const form = await fetch(`${base}/signin`);
  keepCookies(jar, form);
  const signin = await fetch(`${base}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfOf(await form.text()), identifier: BENCH_USER, password: BENCH_PASSWORD }),
  });
  if (signin.status !== 303) throw new Error(`sign-in answered ${signin.status}`);
  keepCookies(jar, signin);
  const media = await fetch(`${base}/media`, { headers: { cookie: cookieHeader(jar) } });
  keepCookies(jar, media);
  const csrf = csrfOf(await media.text());
  const { default: sharp } = await import('sharp');
  // A photo-like image (noise compresses like one): 1,200 x 800 JPEG, re-encoded by the server into its sizes.
  const noise = Buffer.alloc(1200 * 800 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  const image = await sharp(noise, { raw: { width: 1200, height: 800, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
  const routes = [
    ['GET /dashboard', quick ? 3 : 5, () => fetch(`${base}/dashboard`, { headers: { ...ACCEPT, cookie: cookieHeader(jar) } })],
    [`GET ${post}/edit (editor)`, quick ? 3 : 5, () => fetch(`${base}${post}/edit`, { headers: { ...ACCEPT, cookie: cookieHeader(jar) } })],
    [
      `POST /media (upload, ${(image.length / 1024).toFixed(0)} KB JPEG)`,
      quick ? 1 : 2,
      () => {
        const body = new FormData();
        body.set('alt', 'Bench image');
        body.set('file', new Blob([image], { type: 'image/jpeg' }), 'bench.jpg');
        return fetch(`${base}/media`, { method: 'POST', redirect: 'manual', headers: { cookie: cookieHeader(jar), 'x-csrf-token': csrf }, body });
      },
    ],
  ];
  log('signed-in pages and uploads, one request at a time');
  const times = new Map(routes.map(([label]) => [label, []]));
  for (let round = 0; round < roundCount; round++) {
    for (const [label, count, request] of routes) {
      for (let i = 0; i < count; i++) {
        const t = performance.now();
        const res = await request();
        await res.arrayBuffer();
        if (res.status >= 400) throw new Error(`${label} answered ${res.status}`);
        times.get(label).push(performance.now() - t);
      }
    }
  }
  const lines = ['| signed in, one request at a time | requests | median ms | min–max ms |', '|---|---:|---:|---:|'];
  for (const [label, values] of times) lines.push(`| ${label} | ${values.length} | ${median(values).toFixed(0)} | ${spread(values)} |`);
  return lines.join('\n');
}

function writeResults(markdown, json) {
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(join(root, 'bench-results', 'latest.md'), markdown);
  writeFileSync(join(root, 'bench-results', 'latest.json'), JSON.stringify(json, null, 2));
}

/** Replaces a part of the README (between its two markers, `bench` or `bench-scale`) with this run's tables. */
function writeReadme(text, marker = 'bench') {
  const path = join(root, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const begin = `<!-- ${marker}:begin -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = readme.indexOf(begin);
  const to = readme.indexOf(end);
  if (from === -1 || to < from) return log(`README.md has no ${marker} markers: table not written there`);
  writeFileSync(path, `${readme.slice(0, from + begin.length)}\n${text}\n${readme.slice(to)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
