// "What changed since this revision": a word-level diff (jsdiff) between an earlier version's title and
// body and the current ones, as plain segments that the page escapes and marks up with <ins>/<del>.
// Rendered on the server: the page works without JavaScript and shows author text only as text.
import { diffWords } from 'diff';
import type { NamedActor } from '../site/permissions.js';
import { NotFound } from '../http/errors.js';
import { editablePost } from './posts.service.js';
import { findRevision } from './revisions.service.js';

export interface DiffSegment {
  kind: 'same' | 'ins' | 'del';
  text: string;
}

export interface RevisionDiff {
  post: { slug: string; title: string; version: number };
  revision: { id: string; editorName: string; at: Date };
  title: DiffSegment[];
  /** null when the texts are too different to diff in time (both are then shown whole). */
  body: DiffSegment[] | null;
  revisionBody: string;
  currentBody: string;
  identical: boolean;
}

// A diff costs O(N·D) for N words and D differences: two 200,000-character bodies with nothing in common
// would take seconds of CPU. Past this budget the page shows both texts side by side instead.
const DIFF_TIMEOUT_MS = 500;

export function wordDiff(before: string, after: string): DiffSegment[] | null {
  const changes = diffWords(before, after, { timeout: DIFF_TIMEOUT_MS });
  if (!changes) return null;
  return changes.map((c) => ({ kind: c.added ? 'ins' : c.removed ? 'del' : 'same', text: c.value }));
}

/** The diff from revision `revisionId` (older) to the post's current title and body. */
export async function revisionDiff(actor: NamedActor, slug: string, revisionId: string): Promise<RevisionDiff> {
  const post = await editablePost(actor, slug);
  const revision = await findRevision(post._id, revisionId);
  if (!revision) throw new NotFound('That revision no longer exists.');
  return {
    post: { slug: post.slug, title: post.title, version: post.version },
    revision: { id: String(revision._id), editorName: revision.editorName, at: revision.at },
    title: wordDiff(revision.title, post.title) ?? [{ kind: 'same', text: post.title }],
    body: wordDiff(revision.bodyMarkdown, post.bodyMarkdown),
    revisionBody: revision.bodyMarkdown,
    currentBody: post.bodyMarkdown,
    identical: revision.title === post.title && revision.bodyMarkdown === post.bodyMarkdown,
  };
}
