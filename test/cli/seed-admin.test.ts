// The seed on a site set up through /setup: it uses the admin made there instead of adding a second
// admin beside it, and says which admin it used.
import { describe, expect, it } from 'vitest';
import { createFirstAdmin } from '../../src/auth/auth.service.js';
import { existingAdminLine } from '../../src/cli/seed.js';
import { ensureDemoUsers } from '../../src/cli/seed/users.js';
import type { SeedReport } from '../../src/cli/seed/seed.js';
import { User } from '../../src/users/user.model.js';

const founder = { username: 'founder', email: 'founder@example.test', displayName: 'The Founder', password: 'violet kettle on the moor' };

describe('seeding a site that has an admin', () => {
  it('uses the admin made at /setup and adds only the other demo accounts', async () => {
    const made = await createFirstAdmin(founder);
    const users = await ensureDemoUsers();

    expect(users.admin).toEqual({ id: made.id, role: 'admin', username: 'founder', email: 'founder@example.test', displayName: 'The Founder' });
    expect(await User.countDocuments({ role: 'admin' })).toBe(1);
    expect(await User.exists({ username: 'admin' })).toBeNull();
    for (const role of ['editor', 'author', 'reader'] as const) {
      expect(users[role]).toMatchObject({ role, username: role });
      expect(users[role].password).toMatch(/^[\w-]{16}$/);
    }
  });

  it('says which admin it used, and nothing about an admin it created (that one is in the table)', async () => {
    const again = await ensureDemoUsers();
    const report = (admin: SeedReport['admin']) => ({ admin }) as SeedReport;
    expect(existingAdminLine(report(again.admin))).toBe(
      'Admin: the existing account founder (founder@example.test), password unchanged; no other admin was added.',
    );
    expect(existingAdminLine(report({ ...again.admin, password: 'shown-in-the-table' }))).toBeNull();
    expect(await User.countDocuments()).toBe(4);
  });
});
