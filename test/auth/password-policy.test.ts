// The password rules on their own (the sign-up, setup and account tests check they are applied).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { passwordProblems, quickRatio } from '../../src/users/password-policy.js';

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
    // 4-byte characters, none repeating or in sequence: 64 fit, 65 do not.
    const emoji = Array.from({ length: 65 }, (_, i) => String.fromCodePoint(0x1f300 + ((i * 37) % 700))).join('');
    expect(passwordProblems(emoji, owner)).toEqual([expect.stringMatching(/at most 256 bytes/)]);
    expect(passwordProblems([...emoji].slice(0, 64).join(''), owner)).toEqual([]);
    // Measured on the normalized form that is hashed: "ﷺ" is 3 bytes typed and 33 once normalized.
    expect(passwordProblems('ﷺ'.repeat(8) + 'x', owner)).toEqual([expect.stringMatching(/at most 256 bytes/)]);
  });

  it('judges the NFKC form, the one that is hashed: fullwidth, compatibility and invisible characters do not disguise a password', () => {
    for (const disguised of ['ｐａｓｓｗｏｒｄ１２３', 'pass\u200Bword123', 'p\u00ADassword\u2060123', 'PASS WORD 123', '\u202Epassword123', 'ⓟⓐⓢⓢⓦⓞⓡⓓ①②③']) {
      expect(passwordProblems(disguised, {}).join(), JSON.stringify(disguised)).toMatch(/too common/);
    }
    expect(passwordProblems('１２３４５６７８９０１', {}).join()).toMatch(/entirely numeric/);
    expect(passwordProblems('ＧＲＡＣＥ_ＨＯＰＰＥＲ1', owner).join()).toMatch(/similar to your username/);
    expect(passwordProblems('grace\u200Bhopper1', owner).join()).toMatch(/similar to your username/);
  });

  it('refuses passwords that are only spaces or invisible characters, and does not count invisible ones toward the length', () => {
    for (const blank of [' '.repeat(12), '\t\n'.repeat(6), '\u200B'.repeat(12), '\u3000'.repeat(12), '\u2800'.repeat(12), '\u3164'.repeat(12), '\u200D\u2060\uFEFF\u202E\u200E\u034F\uFE0F'.repeat(2), '\u00A0 \u2003\u200B\u180E'.repeat(3)]) {
      expect(passwordProblems(blank, owner), JSON.stringify(blank)).toEqual(['This password is only spaces or invisible characters.']);
    }
    expect(passwordProblems('Xk#9vLq2\u200B\u200B', owner).join()).toMatch(/too short/);
    expect(passwordProblems('Xk#9 vLq2!', owner)).toEqual([]);
  });

  it('refuses repeated patterns', () => {
    for (const repeated of ['abcabcabcabc', 'aaaaaaaaaaaa', 'xyzxyzxyzxyz!', '1212121212ab', 'Aa1!Aa1!Aa1!', 'Zz Zz Zz Zz Zz', 'ﬀﬀﬀﬀﬀﬀ', 'hello hello hello']) {
      expect(passwordProblems(repeated, owner).join(), repeated).toMatch(/too predictable|too common/);
    }
  });

  it('refuses sequences and keyboard runs, in any case and script, alone or with a little around them', () => {
    const patterns = [
      'abcdefghijk', 'ZYXWVUTSRQP', 'acegikmoqsu', 'abcdefgh12!?', 'αβγδεζηθικ', 'абвгдежзий', '9876543210ab',
      'asdfghjkl;', 'zxcvbnm,./', 'poiuytrewq', 'qwertzuiop', 'azertyuiop', '1q2w3e4r5t6y', 'zaq12wsxcde', 'qwerty2024!!', 'aaaaaaaaaa1!',
    ];
    for (const pattern of patterns) expect(passwordProblems(pattern, owner).join(), pattern).toMatch(/too predictable|too common/);
  });

  it('leaves passphrases and random passwords alone, even where three letters happen to be in order', () => {
    for (const fine of ['copper lantern in the orchard', 'first study of the power grid', 'Xk#9vLq2!z', 'mEq7-Lt2@vR', 'bananabread71', 'lantern orchard gravel tide']) {
      expect(passwordProblems(fine, owner), fine).toEqual([]);
    }
  });

  it('computes difflib quick_ratio', () => {
    expect(quickRatio('abcd', 'bcde')).toBeCloseTo(0.75);
    expect(quickRatio('abc', 'abc')).toBe(1);
    expect(quickRatio('abc', 'xyz')).toBe(0);
  });
});
