// Compiles src/ to dist/ for `npm start` and the other commands that run the compiled server, only when
// the sources changed since the last build. esbuild strips the types file by file (a fraction of a second
// for the whole tree); it does not check them: that is `npm run typecheck`, which CI runs before the tests.
// Usage: node scripts/build.mjs [--force] [--quiet]
//
// dist/.build-stamp holds a hash of every file under src/ (paths and contents), of this script and of the
// esbuild version. A start whose hash matches the stamp skips the build; any other change (an edit, a
// deleted or renamed file, a checkout) rebuilds the whole tree, so dist/ never keeps a stale module.
// The new tree is written beside dist/ and swapped in, so a build that fails or is interrupted leaves the
// previous one whole.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const srcDir = join(root, 'src');
const distDir = join(root, 'dist');
const stampFile = join(distDir, '.build-stamp');
const force = process.argv.includes('--force');
const quiet = process.argv.includes('--quiet');

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

// The post editor's script (public/js/editor/, CodeMirror 6 and its Markdown support) is bundled into
// public/build/ (not committed): an ES module entry and lazily loaded chunks (code-block languages), with
// hashed chunk names so that a browser may cache them for ever. Rebuilt when its sources, the lock file or
// this script change (public/build/.build-stamp), like dist/.
async function buildEditorBundle() {
  const clientDir = join(root, 'public', 'js', 'editor');
  const outDir = join(root, 'public', 'build');
  const clientStamp = join(outDir, '.build-stamp');
  // A tree without the editor (the build script's own tests copy it over a small source tree) has nothing to bundle.
  if (!existsSync(join(clientDir, 'editor.js'))) return;
  const hash = createHash('sha256');
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(readFileSync(join(root, 'package-lock.json')));
  for (const file of sourceFiles(clientDir)) hash.update(`\n${relative(root, file)}\n`).update(readFileSync(file));
  const digest = hash.digest('hex');
  if (!force && existsSync(clientStamp) && readFileSync(clientStamp, 'utf8').trim() === digest) return;
  const { build } = await import('esbuild');
  const staging = `${outDir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await build({
      entryPoints: { editor: join(clientDir, 'editor.js') },
      outdir: staging,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: ['es2022'],
      minify: true,
      chunkNames: 'chunks/[name]-[hash]',
      legalComments: 'linked',
      logLevel: 'warning',
    });
    writeFileSync(join(staging, '.build-stamp'), `${digest}\n`);
    const previous = `${outDir}.previous-${process.pid}`;
    if (existsSync(outDir)) renameSync(outDir, previous);
    renameSync(staging, outDir);
    rmSync(previous, { recursive: true, force: true });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (existsSync(clientStamp) && readFileSync(clientStamp, 'utf8').trim() === digest) return;
    console.error(`Editor bundle failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

function fingerprint(files) {
  const hash = createHash('sha256');
  const esbuildManifest = JSON.parse(readFileSync(join(root, 'node_modules', 'esbuild', 'package.json'), 'utf8'));
  hash.update(`esbuild ${esbuildManifest.version}\n`);
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const file of files) {
    hash.update(`\n${relative(root, file)}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

await buildEditorBundle();

const files = sourceFiles(srcDir);
const stamp = fingerprint(files);
if (!force && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) process.exit(0);

const started = Date.now();
const { build } = await import('esbuild');
const staging = `${distDir}.building-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
try {
  await build({
    // Declaration files have no output; everything else under src/ is TypeScript.
    entryPoints: files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    outdir: staging,
    outbase: srcDir,
    // One output module per source module, imports left as written (the sources already say `./x.js`).
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    sourcemap: true,
    logLevel: 'warning',
  });
  writeFileSync(join(staging, '.build-stamp'), `${stamp}\n`);
  const previous = `${distDir}.previous-${process.pid}`;
  if (existsSync(distDir)) renameSync(distDir, previous);
  renameSync(staging, distDir);
  rmSync(previous, { recursive: true, force: true });
} catch (err) {
  rmSync(staging, { recursive: true, force: true });
  // Two commands started together (npm start and npm run seed) may both build: the one that swaps second
  // finds the other's identical tree already in place.
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) process.exit(0);
  console.error(`Build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
if (!quiet) console.log(`Built dist/ from ${files.length} source files in ${Date.now() - started} ms (types are checked by npm run typecheck).`);
