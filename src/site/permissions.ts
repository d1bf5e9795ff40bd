// The capability table of DESIGN.md, in one place: routers, services and templates all ask `can()`.
export const ROLES = ['reader', 'author', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who asks, as far as can() cares. */
export interface Actor {
  id: string;
  role: Role;
}

/** The signed-in user as services take them: can() needs id and role, the audit log and messages the name. */
export interface NamedActor extends Actor {
  displayName: string;
}

const rank: Record<Role, number> = { reader: 0, author: 1, editor: 2, admin: 3 };

/** What the rest of the app knows about the signed-in user: plain values, never the hash. */
export interface CurrentUser {
  id: string;
  username: string;
  email: string;
  displayName: string;
  role: Role;
  avatarUrl: string;
  /** Whether two-factor sign-in is on for this account. */
  twoFactor?: boolean;
  /** Whether the account's email address is verified (auth/email-verification.service.ts). */
  emailVerified?: boolean;
  /** The user's IANA time zone, when they chose one (pages use the site's zone, UTC, otherwise). */
  timeZone?: string;
}

export function atLeast(role: Role, minimum: Role): boolean {
  return rank[role] >= rank[minimum];
}

export type Action =
  | 'post:create'
  | 'post:edit' // edit, delete, publish, see drafts: own for authors, any for editors
  | 'media:upload'
  | 'media:manage' // delete, see: own for authors, any for editors
  | 'comment:create'
  | 'comment:moderate' // on own posts for authors, any for editors
  | 'content:admin' // /admin/posts, /admin/media, comment queue
  | 'page:manage' // static pages (About, Contact): write, publish, delete any
  | 'users:manage'
  | 'settings:manage'
  | 'audit:view';

/** The least role that may do an action on anyone's thing. */
const anyRole: Record<Action, Role> = {
  'post:create': 'author',
  'post:edit': 'editor',
  'media:upload': 'author',
  'media:manage': 'editor',
  'comment:create': 'reader',
  'comment:moderate': 'editor',
  'content:admin': 'editor',
  'page:manage': 'editor',
  'users:manage': 'admin',
  'settings:manage': 'admin',
  'audit:view': 'admin',
};

/** The least role that may do an action on a thing it owns. */
const ownRole: Partial<Record<Action, Role>> = {
  'post:edit': 'author',
  'media:manage': 'author',
  'comment:moderate': 'author',
};

/**
 * May this user do this action (on this thing, whose owner is `ownerId`)? Without a thing, answers
 * whether the user may do it on at least their own things.
 */
export function can(user: Actor | null | undefined, action: Action, thing?: { ownerId: unknown }): boolean {
  if (!user) return false;
  if (atLeast(user.role, anyRole[action])) return true;
  const own = ownRole[action];
  if (!own || !atLeast(user.role, own)) return false;
  return thing === undefined || String(thing.ownerId) === user.id;
}
