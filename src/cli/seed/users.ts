// The demo accounts: one of each role, made through the same createAccount the sign-up page uses, with a
// random password that is shown once. An account that already exists is kept as it is: its password is
// not known and is never reset. Where the site already has an admin, no demo admin is added.
import { randomBytes } from 'node:crypto';
import { createAccount } from '../../auth/auth.service.js';
import { markSetupComplete } from '../../auth/setup-state.js';
import type { Role } from '../../site/permissions.js';
import { User } from '../../users/user.model.js';

interface DemoAccount {
  role: Role;
  username: string;
  displayName: string;
  bio: string;
}

const ACCOUNTS: DemoAccount[] = [
  { role: 'admin', username: 'admin', displayName: 'Maya Okafor', bio: 'Runs this site. Ask her about backups.' },
  {
    role: 'editor',
    username: 'editor',
    displayName: 'Jonas Lindqvist',
    bio: 'Editor. Writes about databases, performance and the craft of clear technical prose.',
  },
  {
    role: 'author',
    username: 'author',
    displayName: 'Priya Raman',
    bio: 'Web developer and occasional speaker. Writes about JavaScript, accessibility and CSS.',
  },
  { role: 'reader', username: 'reader', displayName: 'Sam Carter', bio: '' },
];

export interface DemoUser {
  id: string;
  role: Role;
  username: string;
  email: string;
  displayName: string;
  /** Only for accounts created in this run. */
  password?: string;
}

/** 96 random bits as 16 URL-safe characters: strong, and easy to copy from a terminal. */
function randomPassword(): string {
  return randomBytes(12).toString('base64url');
}

export async function ensureDemoUsers(): Promise<Record<Role, DemoUser>> {
  const users = {} as Record<Role, DemoUser>;
  for (const account of ACCOUNTS) {
    const email = `${account.username}@example.com`;
    // The admin made at /setup (or any earlier admin) is the site's admin: the seed uses it rather than
    // adding a second one beside it.
    const existing =
      (await User.findOne({ username: account.username }, 'username email displayName role').lean()) ??
      (account.role === 'admin' ? await User.findOne({ role: 'admin' }, 'username email displayName role').sort({ _id: 1 }).lean() : null);
    if (existing) {
      // Someone may have changed its role since: what it may do now is what counts.
      const role = existing.role as Role;
      users[account.role] = { id: String(existing._id), role, username: existing.username, email: existing.email, displayName: existing.displayName };
      continue;
    }
    const password = randomPassword();
    const created = await createAccount({ username: account.username, email, displayName: account.displayName, password, role: account.role, emailVerified: true });
    if (account.bio) await User.updateOne({ _id: created.id }, { $set: { bio: account.bio } });
    users[account.role] = { id: created.id, role: account.role, username: account.username, email, displayName: account.displayName, password };
  }
  markSetupComplete();
  return users;
}
