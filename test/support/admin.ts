// A signed-in browser per role, for the admin pages' permission tests.
import type { Role } from '../../src/site/permissions.js';
import type { Config } from '../../src/config.js';
import { makeUser } from './factories.js';
import { sessionFor, type TestSession } from './session.js';

/** A user of each role with a signed-in browser. */
export async function usersByRole(config: Config): Promise<Record<Role | 'anonymous', TestSession & { id: string }>> {
  const entries = await Promise.all(
    (['reader', 'author', 'editor', 'admin'] as const).map(async (role) => {
      const user = await makeUser({ role });
      return [role, { ...sessionFor(user, config), id: String(user._id) }] as const;
    }),
  );
  return { ...Object.fromEntries(entries), anonymous: { cookie: '', csrf: '', id: '' } } as Record<Role | 'anonymous', TestSession & { id: string }>;
}
