// Comments for tests: written straight to the model (with the same rendering the service uses) where a test
// needs a given status or age, and small helpers for driving the comment routes as a browser would.
import type { Express } from 'express';
import type { Types } from 'mongoose';
import request from 'supertest';
import { Comment, type CommentStatus } from '../../src/comments/comment.model.js';
import { fingerprintOf, renderCommentBody } from '../../src/comments/comment-text.js';
import type { TestSession } from './session.js';

let counter = 0;

export interface MakeCommentOptions {
  post: { _id: Types.ObjectId; author: Types.ObjectId };
  author: { _id: Types.ObjectId } | null;
  status?: CommentStatus;
  body?: string;
  createdAt?: Date;
}

export async function makeComment(options: MakeCommentOptions) {
  counter++;
  const body = options.body ?? `Test comment number ${counter}.`;
  const doc = await Comment.create({
    post: options.post._id,
    postAuthor: options.post.author,
    author: options.author?._id ?? null,
    body,
    bodyHtml: renderCommentBody(body),
    fingerprint: fingerprintOf(body),
    status: options.status ?? 'approved',
  });
  if (options.createdAt) await Comment.collection.updateOne({ _id: doc._id }, { $set: { createdAt: options.createdAt } });
  return (await Comment.findById(doc._id).lean())!;
}

/** Moves a comment's creation time back, as if it was written `minutes` ago. */
export async function ageComment(id: unknown, minutes: number): Promise<void> {
  await Comment.collection.updateOne({ _id: id as Types.ObjectId }, { $set: { createdAt: new Date(Date.now() - minutes * 60_000) } });
}

/** A form POST with the session's cookie and CSRF token. */
export function postForm(app: Express, session: TestSession, url: string, body: Record<string, string | string[]> = {}) {
  return request(app).post(url).set('Cookie', session.cookie).type('form').send({ _csrf: session.csrf, ...body });
}

/** POST /posts/:slug/comments as this browser. */
export function comment(app: Express, session: TestSession, slug: string, body: string) {
  return postForm(app, session, `/posts/${slug}/comments`, { body });
}

/** The page a 303 leads to, with the flash cookie it set, as this browser sees it. */
export async function followRedirect(app: Express, res: request.Response, session: TestSession | null): Promise<request.Response> {
  const flash = String(res.headers['set-cookie'] ?? '').match(/quire_flash=[^;]+/)?.[0] ?? '';
  const cookie = [session?.cookie, flash].filter(Boolean).join('; ');
  return request(app).get(res.headers.location!.split('#')[0]!).set('Cookie', cookie);
}

/** The post page as this browser (or an anonymous visitor) sees it. */
export function postPage(app: Express, slug: string, session: TestSession | null = null) {
  const req = request(app).get(`/posts/${slug}`);
  return session ? req.set('Cookie', session.cookie) : req;
}
