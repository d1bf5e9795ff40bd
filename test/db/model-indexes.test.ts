// `npm run migrate` on an empty database, alone (not after the app has registered its models) and with
// Mongoose's autoIndex off: every index every model declares must exist afterwards. This fails when
// src/schema/models.ts forgets a model, since the index migration builds the indexes of registered models only.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { afterAll, describe, expect, inject, it } from 'vitest';

const dbName = `quire_models_${randomBytes(5).toString('hex')}`;

/** The test server's URI with its database path replaced by `name` (options kept). */
function withDatabase(uri: string, name: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new Error(`Unexpected test database URI: ${uri}`);
  return `${m[1]}/${name}${m[2] ?? ''}`;
}

async function runMigrateCli(uri: string): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'quire-migrate-'));
  // The compiled CLI, as `npm run migrate` runs it (dist/ is brought up to date by test/global-setup.ts).
  const child = spawn(process.execPath, ['--import', './test/support/no-auto-index.mjs', 'dist/cli/migrate.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      MONGODB_URI: uri,
      JWT_SECRET: 'x'.repeat(40),
      DATA_DIR: dir,
      UPLOAD_DIR: join(dir, 'uploads'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

const db = () => mongoose.connection.useDb(dbName, { useCache: true });

afterAll(async () => {
  if (mongoose.connection.readyState === 1) await db().dropDatabase();
});

describe('npm run migrate on an empty database', () => {
  it('builds the indexes of every model, with autoIndex off', { timeout: 120_000 }, async () => {
    const { code, output } = await runMigrateCli(withDatabase(inject('mongoUri'), dbName));
    expect(code, output).toBe(0);
    expect(output).toMatch(/Applied \d+ migration/);

    // This process imported the app (test/setup.ts), so its registry holds every model there is.
    const names = mongoose.modelNames();
    expect(names).toEqual(expect.arrayContaining(['Post', 'Tag', 'PostRevision', 'User', 'Comment', 'Media', 'Settings', 'AuditEntry']));
    const missing: string[] = [];
    for (const name of names) {
      const model = mongoose.model(name);
      const declared = model.schema.indexes();
      if (declared.length === 0) continue;
      const existing = await db().collection(model.collection.collectionName).listIndexes().toArray().catch(() => []);
      for (const [keys, options] of declared) {
        const found = existing.find((i) => JSON.stringify(i.key) === JSON.stringify(keys));
        if (!found || Boolean(found.unique) !== Boolean(options.unique)) {
          missing.push(`${name} ${JSON.stringify(keys)}${options.unique ? ' unique' : ''}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
