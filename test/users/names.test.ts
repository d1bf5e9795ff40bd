// What people see as names and titles is what is stored: no NUL or control characters, no bidirectional
// overrides or isolates, no zero-width characters, NFKC-normalised; a display name that is empty after
// that is refused, and so is one that looks like another member's name (Cyrillic or Greek letters,
// case, accents, separators). One transform (cleanLine in src/http/validate.ts) serves every such field.
import mongoose from 'mongoose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Post } from '../../src/posts/post.model.js';
import { Tag } from '../../src/posts/tag.model.js';
import { cleanLine } from '../../src/http/validate.js';
import { skeleton } from '../../src/users/look-alike.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postAnonymous } from '../support/auth.js';
import { makeUser } from '../support/factories.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

// Each hides something: NUL and a C1 control, a right-to-left override, isolates, zero-width characters,
// a byte-order mark, a Hangul filler and an invisible Unicode tag character.
const HIDDEN = ['\u0000', '\u0085', '\u202e', '\u2066', '\u2069', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u3164', '\u{e0041}', '\u200f', '\u0007'];
// eslint-disable-next-line no-control-regex -- control characters are what must be absent
const INVISIBLE_OR_BIDI = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u3164\u{e0000}-\u{e007f}]/u;

function profile(s: TestSession, fields: Record<string, string>) {
  return request(app).post('/account').type('form').set('Cookie', s.cookie).send({ _csrf: s.csrf, bio: '', ...fields });
}

describe('the shared cleaning', () => {
  it('removes every hidden character, normalises NFKC and collapses spaces', () => {
    for (const ch of HIDDEN) expect(cleanLine(`Ad${ch}min`), JSON.stringify(ch)).toBe(ch === '\u0085' ? 'Ad min' : 'Admin');
    expect(cleanLine('ＡＤＭＩＮ\u3000team')).toBe('ADMIN team');
    expect(cleanLine('  two\t\nlines  ')).toBe('two lines');
  });
});

describe('titles and tag names', () => {
  it('are stored without hidden characters, NFKC-normalised', async () => {
    const author = await makeUser({ role: 'author' });
    const s = sessionFor(author, config);
    const title = `Pay${HIDDEN.join('')}pal ｒｅｃｅｉｐｔ`;
    const res = await request(app)
      .post('/posts')
      .type('form')
      .set('Cookie', s.cookie)
      .send({ _csrf: s.csrf, intent: 'save', title, body: 'Text.', tags: `Sec\u202eurity, ﬁnance\u200b` });
    expect(res.status).toBe(303);
    const post = (await Post.findOne({ author: author._id }).lean())!;
    // U+0085 (next line) is a line break, so it becomes a space; everything else hidden is gone.
    expect(post.title).toBe('Pay pal receipt');
    expect(post.title).not.toMatch(INVISIBLE_OR_BIDI);
    const tags = await Tag.find({ slug: mongoose.trusted({ $in: post.tags }) }).lean();
    expect(tags.map((t) => t.name).sort()).toEqual(['Security', 'finance']);
  });

  it('a title made only of hidden characters is empty, and refused', async () => {
    const s = sessionFor(await makeUser({ role: 'author' }), config);
    const res = await request(app).post('/posts').type('form').set('Cookie', s.cookie).send({ _csrf: s.csrf, intent: 'save', title: '\u200b\u202e\u2066', body: 'x' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Title is required.');
  });
});

describe('display names and usernames', () => {
  it('sign-up stores them cleaned: full-width and hidden characters do not survive', async () => {
    const res = await postAnonymous(app, config, '/signup', {
      username: 'ｎｅｗ\u200bｃｏｍｅｒ',
      email: 'newcomer@example.test',
      displayName: 'New\u202e\u0000comer\u2069',
      password: 'lantern orchard gravel tide',
    });
    expect(res.status).toBe(303);
    const stored = (await User.findOne({ email: 'newcomer@example.test' }).lean())!;
    expect(stored.username).toBe('newcomer');
    expect(stored.displayName).toBe('Newcomer');
  });

  it('a display name that is empty once cleaned is refused (sign-up and profile)', async () => {
    const res = await postAnonymous(app, config, '/signup', {
      username: 'ghostly',
      email: 'ghostly@example.test',
      displayName: '\u3164\u200b\u202e',
      password: 'lantern orchard gravel tide',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Enter a display name.');
    expect(await User.exists({ email: 'ghostly@example.test' })).toBeNull();

    const user = await makeUser({ displayName: 'Visible Name' });
    const edit = await profile(sessionFor(user, config), { displayName: '\ufeff\u2060', email: user.email });
    expect(edit.status).toBe(422);
    expect((await User.findById(user._id).lean())!.displayName).toBe('Visible Name');
  });

  it('profile edits store the display name cleaned', async () => {
    const user = await makeUser({ displayName: 'Plain' });
    const res = await profile(sessionFor(user, config), { displayName: 'Grace\u200d \u202eHopper\u2066', email: user.email, bio: 'Line one\u202e\nline two' });
    expect(res.status).toBe(303);
    const stored = (await User.findById(user._id).lean())!;
    expect(stored.displayName).toBe('Grace Hopper');
    expect(stored.bio).toBe('Line one\nline two');
  });
});

describe('look-alike display names', () => {
  let victim: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    victim = await makeUser({ username: 'siteadmin', displayName: 'Alice Admin', role: 'admin' });
  });

  const impostors = [
    'Alice Admin', // the same
    'ALICE ADMIN', // case
    'Álice Ádmin', // accents
    'Аlice Аdmin', // Cyrillic А
    'Αlice Αdmin', // Greek Α
    'аlісе аdmіn', // Cyrillic а, і, с, е
    'Alice_Admin', // separators
    'A l i c e  A d m i n',
    'ＡｌｉｃｅＡｄｍｉｎ', // full-width
    'Alice Adm1n', // digit for letter
    'Site Admin', // the username, not the display name
    'siteadmin',
    'Alice Ad\u200bmin', // hidden character
  ];

  it('skeletons of the impostors equal the victim’s; other names differ', () => {
    for (const name of impostors) {
      const target = name.toLowerCase().startsWith('site') ? skeleton(victim.username) : skeleton(victim.displayName);
      expect(skeleton(cleanLine(name)), name).toBe(target);
    }
    expect(skeleton('Alicia Admin')).not.toBe(skeleton('Alice Admin'));
    expect(skeleton('Bob')).not.toBe(skeleton('Rob'));
  });

  it('sign-up refuses each of them with 422, and nothing is created', async () => {
    let n = 0;
    for (const displayName of impostors) {
      n++;
      const res = await postAnonymous(app, config, '/signup', {
        username: `impostor${n}`,
        email: `impostor${n}@example.test`,
        displayName,
        password: 'lantern orchard gravel tide',
      });
      expect(res.status, displayName).toBe(422);
      expect(res.text).toContain('looks too much like another member');
    }
    expect(await User.countDocuments({ email: /^impostor/ })).toBe(0);
  });

  it('the account page refuses them too, but a member may keep their own name', async () => {
    const user = await makeUser({ displayName: 'Honest Name' });
    const s = sessionFor(user, config);
    for (const displayName of impostors) {
      const res = await profile(s, { displayName, email: user.email });
      expect(res.status, displayName).toBe(422);
      expect(res.text).toContain('looks too much like another member');
    }
    expect((await User.findById(user._id).lean())!.displayName).toBe('Honest Name');
    const own = sessionFor(victim, config);
    expect((await profile(own, { displayName: 'Alice Admin', email: victim.email, bio: 'Still me.' })).status).toBe(303);
    expect((await profile(s, { displayName: 'Honest Name Two', email: user.email })).status).toBe(303);
  });
});
