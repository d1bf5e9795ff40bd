// Export and import throughput for `npm run bench` (called from bench.mjs), or on its own:
//   node scripts/build.mjs && node scripts/node24.mjs scripts/bench-transfer.mjs [--posts N]
// Seeds a site of N posts (default 10,000) in its own database, times `npm run export` of it, then
// `npm run import` of that archive into another empty database: the compiled command-line tools, as an
// operator runs them, so the times include start-up and the database's own work.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');

async function run(script, args, env) {
  const child = spawn(process.execPath, [join(root, script), ...args], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${code}`);
}

/** Returns the Markdown table of the transfer section. `uriFor(name)` gives a database URI. */
export async function benchTransfer({ uriFor, baseEnv, work, log = console.error, posts = 10_000 }) {
  const source = { ...baseEnv, MONGODB_URI: uriFor('quire_bench_transfer'), DATA_DIR: join(work, 'data'), UPLOAD_DIR: join(work, 'uploads-transfer') };
  const target = { ...source, MONGODB_URI: uriFor('quire_bench_transfer_restored'), UPLOAD_DIR: join(work, 'uploads-restored') };
  const archive = join(work, 'transfer.tar.gz');
  rmSync(archive, { force: true });
  log(`transfer: seeding ${posts.toLocaleString('en')} posts...`);
  await run('dist/cli/seed.js', ['--force', '--quiet', '--posts', String(posts)], source);
  let t = performance.now();
  await run('dist/cli/export.js', ['--out', archive], source);
  const exportS = (performance.now() - t) / 1000;
  const mb = statSync(archive).size / 1048576;
  log(`transfer: exported in ${exportS.toFixed(1)} s (${mb.toFixed(1)} MB)`);
  t = performance.now();
  await run('dist/cli/import.js', [archive], target);
  const importS = (performance.now() - t) / 1000;
  log(`transfer: imported in ${importS.toFixed(1)} s`);
  return [
    '| transfer | posts | seconds | posts/s | archive |',
    '|---|---:|---:|---:|---:|',
    `| npm run export | ${posts.toLocaleString('en')} | ${exportS.toFixed(1)} | ${Math.round(posts / exportS)} | ${mb.toFixed(1)} MB |`,
    `| npm run import (into an empty site) | ${posts.toLocaleString('en')} | ${importS.toFixed(1)} | ${Math.round(posts / importS)} | |`,
  ].join('\n');
}

if (import.meta.filename === resolve(process.argv[1] ?? '')) {
  const { values } = parseArgs({ options: { posts: { type: 'string', default: '10000' } } });
  const work = mkdtempSync(join(tmpdir(), 'quire-bench-transfer-'));
  const baseEnv = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', JWT_SECRET: 'bench-secret-0123456789-0123456789-0123456789' };
  let embedded;
  let base = process.env.MONGODB_URI;
  try {
    if (!base) {
      const { startEmbedded } = await import(join(root, 'dist/db/embedded.js'));
      const { pino } = await import('pino');
      embedded = await startEmbedded({ dataDir: join(work, 'db'), logger: pino({ level: 'warn' }), ferretdbBin: process.env.FERRETDB_BIN || undefined });
      base = embedded.uri;
    }
    const uriFor = (name) => base.replace(/\/?(\?.*)?$/, `/${name}$1`).replace(/undefined$/, '');
    console.log(await benchTransfer({ uriFor, baseEnv, work, posts: Number(values.posts) }));
  } finally {
    await embedded?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
