// Moving every stored object from one media storage to the other (`npm run media:migrate -- --to s3`, and
// back with `--to local`). Keys are the same in both stores, so no record changes: the switch is the
// operator's, by setting STORAGE, and this tells them to only once every object is verified.
//
// Each object is streamed (never held whole in memory) from the source to the target while its SHA-256 is
// computed, then read back from the target and hashed again: it counts as verified only when the sizes
// and both hashes agree. Verified keys are appended to a progress file, one line each, so an interrupted
// run resumes where it stopped and a rerun copies only what is new or not yet verified (it checks that
// the target still has each verified object at the right size). Running it again is always safe.
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { contentTypeOf, type Storage, type StoredObject } from './storage.js';

export interface MediaMigrationInput {
  from: Storage;
  to: Storage;
  /** Where verified keys are kept between runs (append-only, one `key sha256 size` line each). */
  progressFile: string;
  /** One line of progress (the CLI writes them to stderr). */
  report?: (line: string) => void;
  /** Objects copied at once. */
  concurrency?: number;
}

export interface MediaMigrationResult {
  total: number;
  copied: number;
  /** Verified by an earlier run and still in the target. */
  skipped: number;
  /** Listed, then gone from the source before they were copied (an image deleted meanwhile). */
  vanished: number;
  bytes: number;
  failures: Array<{ key: string; reason: string }>;
}

const REPORT_EVERY = 100;

export async function migrateMedia({ from, to, progressFile, report = () => undefined, concurrency = 4 }: MediaMigrationInput): Promise<MediaMigrationResult> {
  const verified = await readProgress(progressFile);
  await mkdir(dirname(progressFile), { recursive: true });
  const objects: StoredObject[] = [];
  for await (const object of from.list('')) objects.push(object);
  objects.sort((a, b) => (a.key < b.key ? -1 : 1));
  report(`${objects.length} object(s) to check; ${verified.size} verified by an earlier run.`);

  const result: MediaMigrationResult = { total: objects.length, copied: 0, skipped: 0, vanished: 0, bytes: 0, failures: [] };
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const object = objects[next++]!;
      try {
        const outcome = await migrateOne(object, verified.get(object.key), from, to);
        if (outcome.kind === 'copied') {
          result.copied++;
          result.bytes += object.size;
          await appendFile(progressFile, `${object.key} ${outcome.sha256} ${object.size}\n`);
        } else if (outcome.kind === 'skipped') result.skipped++;
        else result.vanished++;
      } catch (err) {
        result.failures.push({ key: object.key, reason: err instanceof Error ? err.message : String(err) });
        report(`FAILED ${object.key}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (++done % REPORT_EVERY === 0 || done === objects.length) {
        report(`${done}/${objects.length} checked: ${result.copied} copied, ${result.skipped} already there, ${result.failures.length} failed`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return result;
}

type Outcome = { kind: 'copied'; sha256: string } | { kind: 'skipped' } | { kind: 'vanished' };

async function migrateOne(object: StoredObject, earlier: Verified | undefined, from: Storage, to: Storage): Promise<Outcome> {
  // Verified before: kept only if the target still has it whole (a bucket emptied in between is refilled).
  if (earlier && earlier.size === object.size && (await to.head(object.key))?.size === object.size) return { kind: 'skipped' };

  let source: Readable;
  try {
    source = await from.stream(object.key);
  } catch (err) {
    if ((await from.head(object.key)) === null) return { kind: 'vanished' };
    throw err;
  }
  const sourceHash = createHash('sha256');
  let sourceBytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sourceHash.update(chunk);
      sourceBytes += chunk.length;
      done(null, chunk);
    },
  });
  // The source is piped through the hash into the target's put, which reads it as it goes. Should the put
  // fail, the pipe is torn down (it would otherwise wait forever for a reader).
  const piping = pipeline(source, hashing);
  try {
    await to.put(object.key, hashing, contentTypeOf(object.key));
  } catch (err) {
    hashing.destroy();
    await piping.catch(() => undefined);
    throw err;
  }
  await piping;
  const expected = sourceHash.digest('hex');
  if (sourceBytes !== object.size) throw new Error(`the source changed while it was read (${sourceBytes} bytes, listed as ${object.size})`);

  const stored = await to.head(object.key);
  if (stored?.size !== object.size) throw new Error(`size mismatch after copy: ${stored?.size ?? 'missing'} in the target, ${object.size} in the source`);
  const actual = await sha256Of(await to.stream(object.key));
  if (actual !== expected) throw new Error(`SHA-256 mismatch after copy: ${actual} in the target, ${expected} in the source`);
  return { kind: 'copied', sha256: expected };
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface Verified {
  sha256: string;
  size: number;
}

async function readProgress(file: string): Promise<Map<string, Verified>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const verified = new Map<string, Verified>();
  for (const line of text.split('\n')) {
    // A line cut short by a crash is ignored: that object is simply copied again.
    const match = /^(\S+) ([a-f0-9]{64}) (\d+)$/.exec(line);
    if (match) verified.set(match[1]!, { sha256: match[2]!, size: Number(match[3]) });
  }
  return verified;
}
