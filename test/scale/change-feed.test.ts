// The change feed between processes (src/site/change-feed.ts), with two feeds in this test process
// standing for two Quire processes on one database: what one publishes, the other receives with the ids
// of the posts written, and falls back to "anything may have changed" (null) when it cannot know them.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeAudience } from '../../src/db/changes.js';
import { ChangeFeed, type ChangedIds, type SharedSignal } from '../../src/site/change-feed.js';

/** A signal whose local changes the test raises and whose remote deliveries (and their audience) it records. */
function testSignal() {
  const listeners = new Set<(ids?: ChangedIds, audience?: ChangeAudience) => void>();
  const delivered: ChangedIds[] = [];
  const audiences: ChangeAudience[] = [];
  const signal: SharedSignal = {
    name: 'posts',
    onLocal: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    deliverRemote: (ids, audience) => {
      delivered.push(ids);
      audiences.push(audience);
    },
  };
  return { signal, delivered, audiences, change: (ids: ChangedIds, audience?: ChangeAudience) => listeners.forEach((l) => l(ids, audience)) };
}

const feeds: ChangeFeed[] = [];

async function startFeed(signal: SharedSignal): Promise<ChangeFeed> {
  // A poll period longer than any test: the tests poll by hand, so nothing depends on timing.
  const feed = new ChangeFeed({ signals: [signal], logger: pino({ level: 'silent' }), pollMs: 3_600_000 });
  await feed.start();
  feeds.push(feed);
  return feed;
}

/** Waits until the writer's publications are in the database (stop() waits for them). */
async function published(feed: ChangeFeed): Promise<void> {
  await (feed as unknown as { publishing: Promise<void> | null }).publishing;
}

afterEach(async () => {
  await Promise.all(feeds.splice(0).map((f) => f.stop()));
});

describe('the change feed', () => {
  it('delivers the ids of the posts another process wrote, once', async () => {
    const a = testSignal();
    const b = testSignal();
    const feedA = await startFeed(a.signal);
    const feedB = await startFeed(b.signal);
    a.change(['aaaaaaaaaaaaaaaaaaaaaaaa']);
    a.change(['bbbbbbbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccccccc']);
    await published(feedA);
    await feedB.poll();
    expect(b.delivered).toHaveLength(1);
    expect([...b.delivered[0]!].sort()).toEqual(['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccccccc']);
    await feedB.poll();
    expect(b.delivered).toHaveLength(1);
    // A process never hears its own changes back.
    await feedA.poll();
    expect(a.delivered).toEqual([]);
  });

  it('delivers null for a change that named no posts', async () => {
    const a = testSignal();
    const b = testSignal();
    const feedA = await startFeed(a.signal);
    const feedB = await startFeed(b.signal);
    a.change(['dddddddddddddddddddddddd']);
    a.change(null);
    await published(feedA);
    await feedB.poll();
    expect(b.delivered).toEqual([null]);
  });

  it('delivers null when the poller missed more changes than a document keeps (a gap)', async () => {
    const a = testSignal();
    const b = testSignal();
    const feedA = await startFeed(a.signal);
    const feedB = await startFeed(b.signal);
    for (let i = 0; i < 60; i++) a.change([i.toString(16).padStart(24, '0')]);
    await published(feedA);
    await feedB.poll();
    expect(b.delivered).toEqual([null]);
    // Caught up: the next change is known by its ids again.
    a.change(['eeeeeeeeeeeeeeeeeeeeeeee']);
    await published(feedA);
    await feedB.poll();
    expect(b.delivered).toEqual([null, ['eeeeeeeeeeeeeeeeeeeeeeee']]);
  });

  // Another process's draft autosave must keep this process's page cache, and nothing else may.
  it('delivers a private change as private, and as public once any change it missed was public', async () => {
    const a = testSignal();
    const b = testSignal();
    const feedA = await startFeed(a.signal);
    const feedB = await startFeed(b.signal);
    a.change(['111111111111111111111111'], 'private');
    a.change(['222222222222222222222222'], 'private');
    await published(feedA);
    await feedB.poll();
    expect(b.delivered).toEqual([['111111111111111111111111', '222222222222222222222222']]);
    expect(b.audiences).toEqual(['private']);
    a.change(['333333333333333333333333'], 'private');
    a.change(['444444444444444444444444'], 'public');
    await published(feedA);
    await feedB.poll();
    expect(b.audiences).toEqual(['private', 'public']);
    // A change announced without an audience is public.
    a.change(['555555555555555555555555']);
    await published(feedA);
    await feedB.poll();
    expect(b.audiences).toEqual(['private', 'public', 'public']);
  });

  it('delivers a gap as public even when every change in it was private', async () => {
    const a = testSignal();
    const b = testSignal();
    const feedA = await startFeed(a.signal);
    const feedB = await startFeed(b.signal);
    for (let i = 0; i < 60; i++) a.change([i.toString(16).padStart(24, '0')], 'private');
    await published(feedA);
    await feedB.poll();
    expect(b.delivered).toEqual([null]);
    expect(b.audiences).toEqual(['public']);
  });
});
