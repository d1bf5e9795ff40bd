// Abuse limits: five comments a minute per user (429 with Retry-After beyond), the same text twice on the
// same post within a day refused (422), both also when the requests arrive at the same moment.
import { beforeAll, describe, expect, it } from 'vitest';
import { Comment } from '../../src/comments/comment.model.js';
import { checkAfterWrite } from '../../src/comments/comment-limits.js';
import { fingerprintOf } from '../../src/comments/comment-text.js';
import { AppError } from '../../src/http/errors.js';
import { testApp } from '../support/app.js';
import { comment, makeComment } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor } from '../support/session.js';

const { app, config } = testApp();

type User = Awaited<ReturnType<typeof makeUser>>;
let author: User;

beforeAll(async () => {
  author = await makeUser({ role: 'author' });
});

const published = () => makePost({ author, status: 'published' });

describe('the rate limit', () => {
  it('refuses the sixth comment within a minute with 429 and Retry-After, storing nothing', async () => {
    const reader = await makeUser();
    const s = sessionFor(reader, config);
    const post = await published();
    for (let i = 1; i <= 5; i++) expect((await comment(app, s, post.slug, `Comment number ${i}`)).status, `comment ${i}`).toBe(303);
    const sixth = await comment(app, s, post.slug, 'Comment number 6');
    expect(sixth.status).toBe(429);
    const retryAfter = Number(sixth.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(sixth.text).toContain('too quickly');
    expect(await Comment.countDocuments({ author: reader._id })).toBe(5);
  });

  it('counts per user and per minute: another user is unaffected, older comments do not count', async () => {
    const busy = await makeUser();
    const post = await published();
    for (let i = 0; i < 5; i++) await makeComment({ post, author: busy, createdAt: new Date(Date.now() - 61_000 - i * 1000) });
    expect((await comment(app, sessionFor(busy, config), post.slug, 'After a quiet minute')).status).toBe(303);
    for (let i = 0; i < 4; i++) await makeComment({ post, author: busy });
    expect((await comment(app, sessionFor(busy, config), post.slug, 'One too many')).status).toBe(429);
    const fresh = await makeUser();
    expect((await comment(app, sessionFor(fresh, config), post.slug, 'Someone else')).status).toBe(303);
  });

  it('holds when the requests arrive at the same moment', async () => {
    const racer = await makeUser();
    const s = sessionFor(racer, config);
    const post = await published();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => comment(app, s, post.slug, `Parallel comment ${i}`)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((st) => st === 303)).toHaveLength(5);
    expect(statuses.filter((st) => st === 429)).toHaveLength(3);
    expect(await Comment.countDocuments({ author: racer._id })).toBe(5);
  });
});

describe('duplicates', () => {
  it('refuses the same text on the same post within a day with 422, keeping the input', async () => {
    const reader = await makeUser();
    const s = sessionFor(reader, config);
    const post = await published();
    expect((await comment(app, s, post.slug, 'Great post, thanks!')).status).toBe(303);
    const again = await comment(app, s, post.slug, '  great   POST, thanks!  ');
    expect(again.status).toBe(422);
    expect(again.text).toContain('You have already posted this comment.');
    expect(again.text).toContain('great   POST, thanks!');
    expect(await Comment.countDocuments({ author: reader._id })).toBe(1);
  });

  it('allows the same text on another post, by another user, or after a day', async () => {
    const reader = await makeUser();
    const post = await published();
    const other = await published();
    await makeComment({ post, author: reader, body: 'Same words', createdAt: new Date(Date.now() - 25 * 3_600_000) });
    expect((await comment(app, sessionFor(reader, config), post.slug, 'Same words')).status).toBe(303);
    expect((await comment(app, sessionFor(reader, config), other.slug, 'Same words')).status).toBe(303);
    expect((await comment(app, sessionFor(await makeUser(), config), post.slug, 'Same words')).status).toBe(303);
  });

  it('keeps one of several identical comments sent at once (a double click)', async () => {
    const reader = await makeUser();
    const s = sessionFor(reader, config);
    const post = await published();
    const results = await Promise.all(Array.from({ length: 3 }, () => comment(app, s, post.slug, 'Double click')));
    expect(results.map((r) => r.status).sort()).toEqual([303, 422, 422]);
    expect(await Comment.countDocuments({ author: reader._id })).toBe(1);
  });
});

describe('the check after writing (what another process may have written meanwhile)', () => {
  it('removes a comment that has five earlier ones in its minute (429) or an earlier twin (422), and keeps one within the limits', async () => {
    const user = await makeUser();
    const post = await published();
    const earlier = [];
    for (let i = 0; i < 5; i++) earlier.push(await makeComment({ post, author: user, body: `Earlier ${i}` }));
    const late = await makeComment({ post, author: user, body: 'Late arrival' });
    const key = { author: user._id, post: post._id, fingerprint: fingerprintOf('Late arrival') };
    const tooMany = await checkAfterWrite(key, late._id).catch((e: unknown) => e);
    expect((tooMany as AppError).status).toBe(429);
    expect(await Comment.exists({ _id: late._id })).toBeNull();

    // The fifth of five is within the limit and stays, whatever was written after it.
    const fifth = earlier[4]!;
    await expect(checkAfterWrite({ ...key, fingerprint: fingerprintOf('Earlier 4') }, fifth._id)).resolves.toBeUndefined();
    expect(await Comment.exists({ _id: fifth._id })).not.toBeNull();

    const other = await makeUser();
    const first = await makeComment({ post, author: other, body: 'Twin' });
    const twin = await makeComment({ post, author: other, body: 'Twin' });
    const dup = await checkAfterWrite({ author: other._id, post: post._id, fingerprint: fingerprintOf('Twin') }, twin._id).catch((e: unknown) => e);
    expect((dup as AppError).status).toBe(422);
    expect(await Comment.exists({ _id: twin._id })).toBeNull();
    expect(await Comment.exists({ _id: first._id })).not.toBeNull();
  });
});
