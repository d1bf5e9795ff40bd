// Keyset cursors for lists ordered by a date and then _id (posts, the audit log): "<epoch ms>_<id>" names
// the last row shown, and the next page asks for rows beyond it, so every page costs the same whatever its
// depth. One format for every such list.
import mongoose, { type Types } from 'mongoose';

export interface Cursor {
  at: Date;
  id: Types.ObjectId;
}

export function parseCursor(value: unknown): Cursor | null {
  const match = typeof value === 'string' ? /^(\d{1,15})_([a-f0-9]{24})$/.exec(value) : null;
  if (!match) return null;
  return { at: new Date(Number(match[1])), id: new mongoose.Types.ObjectId(match[2]) };
}

export function cursorOf(at: Date | null | undefined, id: Types.ObjectId | string): string | null {
  return at ? `${at.getTime()}_${String(id)}` : null;
}

/** The `$or` condition for rows after `cursor` in the order (field, _id) both `direction`. */
export function beyond(field: string, direction: 1 | -1, cursor: Cursor): Record<string, unknown>[] {
  const op = direction === -1 ? '$lt' : '$gt';
  return [{ [field]: mongoose.trusted({ [op]: cursor.at }) }, { [field]: cursor.at, _id: mongoose.trusted({ [op]: cursor.id }) }];
}
