// `npm audit` cannot reach its service from these machines, so the floors of known advisories are
// checked here against what package-lock.json actually installs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const floors: Record<string, string> = {
  multer: '2.2.0',
  mongoose: '9.9.2',
  sharp: '0.35.0',
  jsonwebtoken: '9.0.2',
  'cookie-parser': '1.4.7',
  ejs: '3.1.10',
  'path-to-regexp': '8.4.0',
};

function compare(a: string, b: string): number {
  const pa = a.split('-')[0]!.split('.').map(Number);
  const pb = b.split('-')[0]!.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { version?: string }>;
};

describe('installed versions are at or above the fixes of known advisories', () => {
  it('compares versions numerically', () => {
    expect(compare('9.10.0', '9.9.2')).toBeGreaterThan(0);
    expect(compare('1.4.6', '1.4.7')).toBeLessThan(0);
  });

  for (const [name, floor] of Object.entries(floors)) {
    it(`${name} >= ${floor} everywhere it is installed`, () => {
      const installed = Object.entries(lock.packages)
        .filter(([path]) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`))
        .map(([path, info]) => ({ path, version: info.version ?? '0.0.0' }));
      expect(installed.length, `${name} is not in package-lock.json`).toBeGreaterThan(0);
      for (const { path, version } of installed) {
        expect(compare(version, floor), `${path}@${version} is below ${floor}`).toBeGreaterThanOrEqual(0);
      }
    });
  }
});
