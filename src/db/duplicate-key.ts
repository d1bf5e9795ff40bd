// One test for "a unique index refused this write", on every engine Quire runs on.
//
// MongoDB answers E11000 (code 11000) for inserts and updates alike. FerretDB 1.24 on SQLite answers
// 11000 only for inserts: a unique-index violation on an UPDATE (updateOne, findOneAndUpdate) comes back as
// InternalError, code 1, carrying SQLite's "UNIQUE constraint failed" message. Code 1 alone means anything,
// so the message must say so too.
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  if (e?.code === 11000) return true;
  return e?.code === 1 && typeof e.message === 'string' && e.message.includes('UNIQUE constraint failed');
}
