// Two first-run setups at the same moment: exactly one admin, the other told there is no setup any more.
import { describe, expect, it } from 'vitest';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postAnonymous } from '../support/auth.js';

const { app, config } = testApp();

describe('first-run setup under a race', () => {
  it('creates one admin when two setups arrive together', async () => {
    const form = (name: string) => ({ username: name, email: `${name}@example.test`, displayName: name, password: 'violet kettle on the moor' });
    const answers = await Promise.all([postAnonymous(app, config, '/setup', form('first')), postAnonymous(app, config, '/setup', form('second'))]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 404]);
    expect(await User.countDocuments()).toBe(1);
    expect(await User.countDocuments({ role: 'admin' })).toBe(1);
  });
});
