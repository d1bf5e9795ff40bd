// Which importer reads a file: decided from its first bytes, never from its name. A gzip stream is a Quire
// archive, XML is a WordPress export (WXR), a JSON object is a Ghost export.
import { open } from 'node:fs/promises';

export type SourceKind = 'quire-archive' | 'wordpress' | 'ghost';

export async function detectSource(file: string): Promise<SourceKind | null> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head[0] === 0x1f && head[1] === 0x8b) return 'quire-archive';
    const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (text.startsWith('<')) return /<rss[\s>]/.test(text) || text.startsWith('<?xml') ? 'wordpress' : null;
    if (text.startsWith('{')) return 'ghost';
    return null;
  } finally {
    await handle.close();
  }
}
