// npm run create-admin: the CLI's createAdmin(), driven directly (the CLI only gathers the options).
import { describe, expect, it } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { verifyPassword } from '../../src/users/password.js';
import { createAdmin, describeRefusal } from '../../src/cli/create-admin.js';
import { Invalid } from '../../src/http/errors.js';
import { User } from '../../src/users/user.model.js';

const good = { username: 'Root_Admin', email: 'Root@Example.test', displayName: 'Root Admin', password: 'granite willow ferry lamp' };

describe('createAdmin', () => {
  it('creates an active admin with a hashed password, and records it in the audit log', async () => {
    const created = await createAdmin(good);
    expect(created.username).toBe('root_admin');
    const stored = await User.findById(created.id).lean();
    expect(stored).toMatchObject({ username: 'root_admin', email: 'root@example.test', role: 'admin', status: 'active' });
    expect(stored!.passwordHash).toMatch(/^scrypt\$/);
    expect(stored!.emailVerifiedAt).toBeInstanceOf(Date);
    expect((await verifyPassword(good.password, stored!.passwordHash)).ok).toBe(true);
    expect(await AuditEntry.exists({ action: 'user.create-admin', targetId: created.id })).not.toBeNull();
  });

  it('refuses weak passwords and taken names, explaining each field', async () => {
    for (const password of ['password123', 'short', '1234567890123']) {
      const err = await createAdmin({ ...good, username: 'another', email: 'another@example.test', password }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Invalid);
      expect(describeRefusal(err as Invalid)).toMatch(/--password: /);
    }
    const taken = await createAdmin({ ...good, email: 'fresh@example.test' }).catch((e: unknown) => e);
    expect(describeRefusal(taken as Invalid)).toMatch(/--username: That username is taken\./);
    const invalid = await createAdmin({ ...good, username: 'x', email: 'nope', displayName: '' }).catch((e: unknown) => e);
    const text = describeRefusal(invalid as Invalid);
    expect(text).toMatch(/--username: /);
    expect(text).toMatch(/--email: /);
    expect(text).toMatch(/--display-name: /);
    expect(await User.countDocuments()).toBe(1);
  });
});
