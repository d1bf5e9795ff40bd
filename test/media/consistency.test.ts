// No orphans: a failed database write leaves no files, a failed file write leaves no record.
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Media } from '../../src/media/media.model.js';
import { LocalDiskStorage } from '../../src/media/storage.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { filesUnder, makeImage, upload } from '../support/media.js';
import { sessionFor, type TestSession } from '../support/session.js';

/** Local disk that fails on the n-th write, after the earlier ones have landed. */
class FailingStorage extends LocalDiskStorage {
  writes = 0;
  constructor(
    root: string,
    private readonly failOnWrite: number,
  ) {
    super(root, '/uploads');
  }
  override async put(key: string, data: Buffer): Promise<void> {
    this.writes++;
    if (this.writes === this.failOnWrite) throw new Error('disk full');
    await super.put(key, data);
  }
}

let owner: Awaited<ReturnType<typeof makeUser>>;
beforeAll(async () => {
  owner = await makeUser({ role: 'author' });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a failed database write', () => {
  it('leaves no files behind', async () => {
    const { app, config } = testApp();
    const session: TestSession = sessionFor(owner, config);
    const create = vi.spyOn(Media, 'create').mockRejectedValueOnce(new Error('database unavailable'));
    const res = await upload(app, session, await makeImage('jpeg', 1400, 700), { filename: 'db-fails.jpg' });
    expect(create).toHaveBeenCalledTimes(1);
    expect(res.status).toBe(500);
    expect(await Media.countDocuments({ filename: 'db-fails.jpg' })).toBe(0);
    expect(filesUnder(config.uploadDir)).toEqual([]);

    // The same app stores the next upload normally.
    const ok = await upload(app, session, await makeImage('jpeg', 1400, 700), { filename: 'db-ok.jpg' });
    expect(ok.status).toBe(303);
    expect(filesUnder(config.uploadDir)).toHaveLength(5); // the original and 320, 640, 1280 and 1400
  });
});

describe('a failed file write', () => {
  it('leaves no record and removes the files already written', async () => {
    const root = mkdtempSync(join(tmpdir(), 'quire-failing-storage-'));
    const storage = new FailingStorage(root, 3);
    const { app, config } = testApp({ uploadDir: root }, { storage });
    const res = await upload(app, sessionFor(owner, config), await makeImage('png', 1400, 700), { filename: 'disk-fails.png', contentType: 'image/png' });
    expect(res.status).toBe(500);
    expect(storage.writes).toBe(3);
    expect(await Media.countDocuments({ filename: 'disk-fails.png' })).toBe(0);
    expect(filesUnder(root)).toEqual([]);
  });
});
