// One write at a time per post (see db/serial-writes.ts for why the version check needs it on FerretDB).
import { SerialWrites } from '../db/serial-writes.js';

const postWrites = new SerialWrites();

export function withPostLock<T>(postId: unknown, work: () => Promise<T>): Promise<T> {
  return postWrites.run(postId, work);
}
