// Time zones: an author schedules and reads times in their own zone, storage stays UTC, every signed-in
// page that shows a time names its zone, and public pages stay the same for everyone (the site's zone).
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Post } from '../../src/posts/post.model.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postAnonymous } from '../support/auth.js';
import { makeComment } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

type Author = Awaited<ReturnType<typeof makeUser>>;

async function makeAuthor(timeZone?: string): Promise<{ user: Author; s: TestSession }> {
  const user = await makeUser({ role: 'author' });
  if (timeZone) await User.updateOne({ _id: user._id }, { $set: { timeZone } });
  return { user, s: sessionFor(user, config) };
}

function send(s: TestSession, path: string, fields: Record<string, string>) {
  return request(app).post(path).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, ...fields });
}

/** Creates a draft through the editor and schedules it at `publishAt` (a datetime-local value). */
async function schedule(s: TestSession, publishAt: string, extra: Record<string, string> = {}) {
  return send(s, '/posts', { title: `Scheduled ${publishAt} ${Math.random()}`, body: 'Soon.', intent: 'schedule', publishAt, ...extra });
}

async function storedAt(res: request.Response): Promise<Date | null | undefined> {
  const slug = /^\/posts\/([^/]+)\/edit$/.exec(String(res.headers.location))?.[1];
  return (await Post.findOne({ slug }).lean())?.publishedAt;
}

describe('scheduling in the author’s zone', () => {
  let paris: { user: Author; s: TestSession };
  beforeAll(async () => {
    paris = await makeAuthor('Europe/Paris');
  });

  it('reads the datetime-local value in the author’s zone, winter and summer (DST)', async () => {
    const winter = await schedule(paris.s, '2030-01-15T09:00');
    expect(winter.status).toBe(303);
    expect((await storedAt(winter))?.toISOString()).toBe('2030-01-15T08:00:00.000Z');
    const summer = await schedule(paris.s, '2030-07-15T09:00');
    expect((await storedAt(summer))?.toISOString()).toBe('2030-07-15T07:00:00.000Z');
  });

  it('refuses a time the clocks skip (a DST gap) with a 422 that says why, and stores nothing', async () => {
    const before = await Post.countDocuments();
    const res = await schedule(paris.s, '2030-03-31T02:30');
    expect(res.status).toBe(422);
    expect(res.text).toContain('That time does not exist in Europe/Paris');
    expect(res.text).toContain('value="2030-03-31T02:30"');
    expect(await Post.countDocuments()).toBe(before);
  });

  it('takes the earlier of a time that happens twice (the autumn overlap)', async () => {
    const res = await schedule(paris.s, '2030-10-27T02:30');
    // 02:30 summer time (UTC+02:00), not the 02:30 winter time an hour later.
    expect((await storedAt(res))?.toISOString()).toBe('2030-10-27T00:30:00.000Z');
  });

  it('shows the schedule back in the author’s zone, labelled with the zone and its offset', async () => {
    const res = await schedule(paris.s, '2030-07-15T09:00');
    const editor = await request(app).get(String(res.headers.location)).set('Cookie', paris.s.cookie);
    expect(editor.status).toBe(200);
    expect(editor.text).toContain('name="publishAt" type="datetime-local"');
    expect(editor.text).toMatch(/id="publishAt"[^>]*value="2030-07-15T09:00"/);
    expect(editor.text).toContain('Publish later (Europe/Paris, UTC+02:00)');
    expect(editor.text).toContain('<input type="hidden" name="timeZone" value="Europe/Paris">');
    expect(editor.text).toContain('Jul 15, 2030, 09:00 (Europe/Paris)');
  });

  it('reads the time in the zone the form names (the page the author saw), not one changed since', async () => {
    const res = await schedule(paris.s, '2030-01-15T09:00', { timeZone: 'America/New_York' });
    expect((await storedAt(res))?.toISOString()).toBe('2030-01-15T14:00:00.000Z');
  });

  it('refuses a form naming a zone that does not exist (422)', async () => {
    const res = await schedule(paris.s, '2030-01-15T09:00', { timeZone: 'Mars/Olympus_Mons' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Unknown time zone');
  });

  it('keeps a full ISO time with its own offset as that instant, whatever the zone (the conflict page resends these)', async () => {
    const res = await schedule(paris.s, '2030-01-15T09:00:00.000Z');
    expect((await storedAt(res))?.toISOString()).toBe('2030-01-15T09:00:00.000Z');
  });

  it('a user without a zone schedules and reads in UTC, and the pages say so', async () => {
    const plain = await makeAuthor();
    const res = await schedule(plain.s, '2030-07-15T09:00');
    expect((await storedAt(res))?.toISOString()).toBe('2030-07-15T09:00:00.000Z');
    const editor = await request(app).get(String(res.headers.location)).set('Cookie', plain.s.cookie);
    expect(editor.text).toContain('Publish later (UTC, UTC+00:00)');
    expect(editor.text).toContain('Choose your time zone');
    const dashboard = await request(app).get('/dashboard').set('Cookie', plain.s.cookie);
    expect(dashboard.text).toContain('Jul 15, 2030, 09:00 (UTC)');
  });
});

describe('signed-in pages show times in the user’s zone and name it', () => {
  it('the dashboard', async () => {
    const { user, s } = await makeAuthor('America/New_York');
    await makePost({ author: user, title: 'New York schedule', status: 'scheduled', publishedAt: new Date('2030-01-15T14:00:00Z') });
    const res = await request(app).get('/dashboard').set('Cookie', s.cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Jan 15, 2030, 09:00 (America/New_York)');
    expect(res.text).not.toMatch(/14:00 \(/);
  });

  it('the audit log says its zone', async () => {
    const admin = await makeUser({ role: 'admin' });
    await User.updateOne({ _id: admin._id }, { $set: { timeZone: 'Asia/Tokyo' } });
    const res = await request(app).get('/admin/audit').set('Cookie', sessionFor(admin, config).cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Times in Asia/Tokyo.');
  });
});

describe('a commenter’s own comment', () => {
  it('says until when it can be edited in the commenter’s zone, and names it', async () => {
    const author = await makeUser({ role: 'author' });
    const post = await makePost({ author, status: 'published' });
    const reader = await makeUser();
    await User.updateOne({ _id: reader._id }, { $set: { timeZone: 'Asia/Kolkata' } });
    await makeComment({ post, author: reader, body: 'Written in Kolkata.' });
    const res = await request(app).get(`/posts/${post.slug}`).set('Cookie', sessionFor(reader, config).cookie);
    const m = /until <time datetime="([^"]+)">(\d{2}):(\d{2}) \(Asia\/Kolkata\)<\/time>/.exec(res.text);
    expect(m).not.toBeNull();
    // Kolkata is UTC+05:30 all year.
    const local = new Date(new Date(m![1]!).getTime() + 330 * 60_000);
    expect(`${m![2]}:${m![3]}`).toBe(local.toISOString().slice(11, 16));
  });
});

describe('public pages do not depend on who reads them', () => {
  it('a post’s date is the site’s (UTC) for a signed-in reader far ahead of UTC as for everyone', async () => {
    const author = await makeUser({ role: 'author' });
    // 23:30 UTC on January 1 is already January 2 in Auckland (UTC+13).
    const post = await makePost({ author, title: 'Late on New Year’s Day', status: 'published', publishedAt: new Date('2026-01-01T23:30:00Z') });
    const { s } = await makeAuthor('Pacific/Auckland');
    const anonymous = await request(app).get(`/posts/${post.slug}`);
    const signedIn = await request(app).get(`/posts/${post.slug}`).set('Cookie', s.cookie);
    expect(anonymous.text).toContain('January 1, 2026');
    expect(signedIn.text).toContain('January 1, 2026');
    expect(signedIn.text).not.toContain('January 2, 2026');
  });
});

describe('choosing a zone', () => {
  it('the account page offers the zones and saves a valid one under its canonical name', async () => {
    const { user, s } = await makeAuthor();
    const page = await request(app).get('/account').set('Cookie', s.cookie);
    expect(page.text).toContain('<option value="Europe/Paris">');
    expect(page.text).toContain('You have not chosen a zone yet: times are shown in <strong>UTC</strong>.');
    expect(page.text).toContain('data-browser-time-zone');
    const res = await send(s, '/account/time-zone', { timeZone: 'US/Eastern' });
    expect(res.status).toBe(303);
    expect((await User.findById(user._id).lean())?.timeZone).toBe('America/New_York');
    const after = await request(app).get('/account').set('Cookie', s.cookie);
    expect(after.text).toContain('<option value="America/New_York" selected>');
    expect(after.text).toMatch(/are in <strong>America\/New_York, UTC-0[45]:00<\/strong>/);
  });

  it('refuses an unknown zone, or a bare offset, with a 422 and keeps the old one', async () => {
    const { user, s } = await makeAuthor('Europe/Paris');
    for (const timeZone of ['Mars/Olympus_Mons', '+01:00', '', 'Europe/Paris\u0000']) {
      const res = await send(s, '/account/time-zone', { timeZone });
      expect(res.status).toBe(422);
      expect(res.text).toContain('Choose a time zone from the list.');
    }
    const operator = await request(app).post('/account/time-zone').set('Cookie', s.cookie).type('form').send(`_csrf=${encodeURIComponent(s.csrf)}&timeZone=UTC&timeZone=Europe/Paris`);
    expect(operator.status).toBe(422);
    expect((await User.findById(user._id).lean())?.timeZone).toBe('Europe/Paris');
  });

  it('a sign-up keeps the zone the browser filled in, and drops one the server does not know', async () => {
    const known = await postAnonymous(app, config, '/signup', { username: 'tz_known', email: 'tz_known@example.test', displayName: 'Known Zone', password: 'saffron meadow under rain', timeZone: 'Europe/Lisbon' });
    expect(known.status).toBe(303);
    expect((await User.findOne({ username: 'tz_known' }).lean())?.timeZone).toBe('Europe/Lisbon');
    const unknown = await postAnonymous(app, config, '/signup', { username: 'tz_unknown', email: 'tz_unknown@example.test', displayName: 'Unknown Zone', password: 'saffron meadow under rain', timeZone: 'Mars/Olympus_Mons' });
    expect(unknown.status).toBe(303);
    expect((await User.findOne({ username: 'tz_unknown' }).lean())?.timeZone).toBeUndefined();
  });
});
