// No lost writes: the real code paths hammered in parallel on the test database. Stock FerretDB 1.24 fails
// these (it reads, updates in Go and writes back by _id without a check: lost $push/$inc, several winners
// of a conditional update); MongoDB and Quire's patched FerretDB build pass them.
import mongoose from 'mongoose';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { Comment } from '../../src/comments/comment.model.js';
import { decide } from '../../src/comments/moderation.service.js';
import { detectEngine } from '../../src/db/engine.js';
import { Conflict } from '../../src/http/errors.js';
import { updatePost } from '../../src/posts/posts.service.js';
import { parseTagList } from '../../src/posts/tags.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { makeComment } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { actorFor, makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

const signOut = (s: TestSession) => request(app).post('/signout').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf });
/** Whether a session still opens a signed-in page (a revoked one is sent to the sign-in form). */
const stillSignedIn = async (s: TestSession) => (await request(app).get('/account').set('Cookie', s.cookie)).status === 200;

describe('the engine', () => {
  it('says its single-document writes are atomic', async () => {
    expect((await detectEngine(mongoose.connection)).atomicWrites).toBe(true);
  });
});

describe('raw updates through Mongoose, in parallel on one document', () => {
  const Counter = mongoose.connection.collection('atomic_counters');

  it('30 parallel $inc add up to 30', async () => {
    const { insertedId } = await Counter.insertOne({ n: 0 });
    await Promise.all(Array.from({ length: 30 }, () => Counter.updateOne({ _id: insertedId }, { $inc: { n: 1 } })));
    expect((await Counter.findOne({ _id: insertedId }))?.n).toBe(30);
  });

  it('of 8 parallel updates conditional on the same version, exactly one wins', async () => {
    const { insertedId } = await Counter.insertOne({ version: 0, winner: null });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => Counter.updateOne({ _id: insertedId, version: 0 }, { $set: { winner: i }, $inc: { version: 1 } })),
    );
    expect(results.filter((r) => r.modifiedCount === 1)).toHaveLength(1);
    expect((await Counter.findOne({ _id: insertedId }))?.version).toBe(1);
  });

  it('an update that breaks a unique index is a duplicate key (11000), as on insert', async () => {
    const [a, b] = await Promise.all([makeUser(), makeUser()]);
    const err = await User.updateOne({ _id: a._id }, { $set: { email: b.email } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as { code?: unknown } | null)?.code).toBe(11000);
    expect((await User.findById(a._id).lean())?.email).toBe(a.email);
  });
});

describe('sessions', () => {
  it('signing out 30 sessions of one user at once revokes every one of them', async () => {
    const user = await makeUser();
    const sessions = Array.from({ length: 30 }, () => sessionFor(user, config));
    const answers = await Promise.all(sessions.map(signOut));
    expect(answers.map((r) => r.status)).toEqual(sessions.map(() => 303));
    for (const s of sessions) expect(await stillSignedIn(s)).toBe(false);
    expect((await User.findById(user._id, 'revokedSessions').lean())?.revokedSessions).toHaveLength(30);
  });

  it('sign-out-everywhere racing sign-outs raises the token version once per request and ends every session', async () => {
    const user = await makeUser();
    const leaving = Array.from({ length: 8 }, () => sessionFor(user, config));
    const everywhere = Array.from({ length: 4 }, () => sessionFor(user, config));
    const bystander = sessionFor(user, config);
    const answers = await Promise.all([
      ...leaving.map(signOut),
      ...everywhere.map((s) => request(app).post('/account/signout-everywhere').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf })),
    ]);
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 303));
    // A request that arrives after another one's raise finds its own session ended and is sent to sign in;
    // every request that got through (back to /account) raised the version once, none of them lost.
    const accepted = answers.slice(leaving.length).filter((r) => r.headers.location === '/account').length;
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect((await User.findById(user._id, 'tokenVersion').lean())?.tokenVersion).toBe(accepted);
    for (const s of [...leaving, bystander]) expect(await stillSignedIn(s)).toBe(false);
  });
});

describe('comments', () => {
  it('of 8 moderators approving and rejecting one comment they all saw pending, exactly one decision applies', async () => {
    const [author, editor, reader] = await Promise.all([makeUser({ role: 'author' }), makeUser({ role: 'editor' }), makeUser()]);
    const post = await makePost({ author, status: 'published' });
    const comment = await makeComment({ post, author: reader, status: 'pending' });
    const actor = { id: String(editor._id), role: 'editor' as const, displayName: editor.displayName };
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => decide(actor, String(comment._id), i % 2 ? 'reject' : 'approve', {}, 'pending')));
    const winners = outcomes.filter((o) => o.changed);
    expect(winners).toHaveLength(1);
    expect((await Comment.findById(comment._id).lean())?.status).toBe(winners[0]!.target.comment.status);
    expect(await AuditEntry.countDocuments({ targetId: String(comment._id), action: /^comment\./ })).toBe(1);
    // One who reads it only after the winner wrote (as the slowest of the 8 may) still decided on "pending":
    // nothing is applied over the winner's decision.
    const late = await decide(actor, String(comment._id), winners[0]!.target.comment.status === 'approved' ? 'reject' : 'approve', {}, 'pending');
    expect(late.changed).toBe(false);
    expect(late.target.comment.status).toBe(winners[0]!.target.comment.status);
    expect((await Comment.findById(comment._id).lean())?.status).toBe(winners[0]!.target.comment.status);
  });
});

describe('posts', () => {
  it('of 6 edits saved at once over the same version, exactly one is saved and the others get 409', async () => {
    const author = await makeUser({ role: 'author' });
    const post = await makePost({ author, title: 'Edited by many' });
    const edit = (i: number) =>
      updatePost(actorFor(author), post.slug, post.version, {
        title: `Edit number ${i}`,
        slug: post.slug,
        bodyMarkdown: `Body of edit ${i}.`,
        excerpt: '',
        tags: parseTagList(''),
        coverMediaId: null,
        coverAlt: '',
        intent: 'save',
        publishAt: null,
      });
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => edit(i)));
    const saved = results.filter((r) => r.status === 'fulfilled');
    expect(saved).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(Conflict);
    const stored = await mongoose.connection.collection('posts').findOne({ _id: post._id });
    expect(stored?.version).toBe(post.version + 1);
    expect(stored?.title).toBe(saved[0]!.value.title);
  });
});
