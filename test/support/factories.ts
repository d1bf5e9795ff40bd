// Small factories for test data, so files do not copy fixtures between them.
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../src/users/password.js';
import type { Role } from '../../src/site/permissions.js';
import { markSetupComplete } from '../../src/auth/setup-state.js';
import { User } from '../../src/users/user.model.js';

export const DEFAULT_PASSWORD = 'correct horse battery staple';

export interface MakeUserOptions {
  role?: Role;
  status?: 'active' | 'suspended';
  username?: string;
  email?: string;
  displayName?: string;
  password?: string;
  bio?: string;
}

export async function makeUser(options: MakeUserOptions = {}) {
  const suffix = randomBytes(4).toString('hex');
  const username = options.username ?? `user_${suffix}`;
  const user = await User.create({
    username,
    email: options.email ?? `${username}@example.test`,
    displayName: options.displayName ?? `User ${suffix}`,
    bio: options.bio ?? '',
    passwordHash: await hashPassword(options.password ?? DEFAULT_PASSWORD),
    role: options.role ?? 'reader',
    status: options.status ?? 'active',
  });
  markSetupComplete();
  return user;
}
