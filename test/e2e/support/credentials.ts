// The demo accounts the seed made for this run (src/cli/seed.ts --credentials), by role.
import type { Role } from '../../../src/site/permissions.js';

export interface DemoAccount {
  username: string;
  email: string;
  password: string;
}

export type DemoCredentials = Record<Role, DemoAccount>;
