// The password rules on their own (the sign-up, setup and account tests check they are applied).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { passwordProblems, quickRatio } from '../../src/auth/password-policy.js';

const owner = { username: 'grace_hopper', email: 'grace.hopper@navy.example', displayName: 'Grace Hopper' };

describe('password rules', () => {
  it('accepts a long, unusual passphrase', () => {
    expect(passwordProblems('copper lantern in the orchard', owner)).toEqual([]);
  });

  it('wants at least 10 characters (counted as characters, not bytes)', () => {
    expect(passwordProblems('Xk#9vLq2!', owner)).toEqual([expect.stringMatching(/too short/)]);
    expect(passwordProblems('Xk#9vLq2!z', owner)).toEqual([]);
    expect(passwordProblems('ééééééééé', owner).join()).toMatch(/too short/);
  });

  it('refuses entirely numeric passwords', () => {
    expect(passwordProblems('73920185734', owner).join()).toMatch(/entirely numeric/);
  });

  it('refuses passwords on a common-password list of at least 10,000 entries, ignoring case and outer spaces', () => {
    const require = createRequire(import.meta.url);
    const list = (require('@zxcvbn-ts/language-common') as { dictionary: { 'passwords-common': string[] } }).dictionary['passwords-common'];
    expect(list.length).toBeGreaterThanOrEqual(10_000);
    for (const common of ['password123', 'qwertyuiop', 'Basketball', ' 1q2w3e4r5t ', 'iloveyou12']) {
      expect(passwordProblems(common, {}).join(), common).toMatch(/too common/);
    }
    // An entry deep in the list, not only the famous ones.
    const deep = list.slice(20_000).find((p) => p.length >= 10 && !/^\d+$/.test(p))!;
    expect(passwordProblems(deep, {}).join()).toMatch(/too common/);
  });

  it('refuses passwords too close to the username, the display name or the email (Django\'s 0.7 similarity)', () => {
    expect(passwordProblems('Grace_Hopper1', owner).join()).toMatch(/similar to your username/);
    expect(passwordProblems('hopper.grace', owner).join()).toMatch(/similar to your username/);
    expect(passwordProblems('GraceHopper!!', { displayName: 'Grace Hopper' }).join()).toMatch(/similar to your display name/);
    expect(passwordProblems('grace.hopper@navy', { email: owner.email }).join()).toMatch(/similar to your email address/);
    // A short name part does not reject every password that happens to share letters with it.
    expect(passwordProblems('copper lantern in the orchard', { displayName: 'Al' })).toEqual([]);
  });

  it('refuses more than 256 bytes, whatever else the password is', () => {
    expect(passwordProblems('a'.repeat(256) + 'b', owner)).toEqual([expect.stringMatching(/at most 256 bytes/)]);
    expect(passwordProblems('😀'.repeat(65), owner)).toEqual([expect.stringMatching(/at most 256 bytes/)]);
    expect(passwordProblems('😀'.repeat(64), owner)).toEqual([]);
  });

  it('computes difflib quick_ratio', () => {
    expect(quickRatio('abcd', 'bcde')).toBeCloseTo(0.75);
    expect(quickRatio('abc', 'abc')).toBe(1);
    expect(quickRatio('abc', 'xyz')).toBe(0);
  });
});
