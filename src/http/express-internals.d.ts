// Types for two of Express's own dependencies that the page cache's hit path calls directly, before
// Express has decorated the request (they have no @types packages installed). Only what Quire uses.
declare module 'fresh' {
  import type { IncomingHttpHeaders } from 'node:http';
  /** Whether a conditional request's validators match the response's: true means answer 304. */
  export default function fresh(reqHeaders: IncomingHttpHeaders, resHeaders: { etag?: string; 'last-modified'?: string }): boolean;
}

declare module 'accepts' {
  import type { IncomingMessage } from 'node:http';
  interface Accepts {
    /** The first of `encodings` the request accepts, or false. */
    encodings(...encodings: string[]): string | false;
  }
  export default function accepts(req: IncomingMessage): Accepts;
}
