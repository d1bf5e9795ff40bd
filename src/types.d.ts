// Express request/response additions made by Quire's middleware.
import type { CurrentUser } from './users/user.model.js';
import type { FlashKind } from './http/flash.js';

declare global {
  namespace Express {
    interface Request {
      /** Set by loadUser on every request: the signed-in, active user, or null. */
      user: CurrentUser | null;
      /** Set by loadUser: the signed-in session's token id (jti), which CSRF tokens are bound to. */
      sessionId?: string;
    }
    interface Response {
      /** Queues a one-time message for the next page (see http/flash.ts). */
      flash(kind: FlashKind, text: string, at?: string): void;
      /** Replaces this browser's CSRF secret (at sign-in and sign-out; see http/csrf.ts). */
      rotateCsrf(): void;
    }
  }
}

export {};
