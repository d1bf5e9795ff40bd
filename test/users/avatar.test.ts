import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { anonymousSession, sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

/** A 1000x600 JPEG that says "rotate me 90°" and carries personal EXIF fields. */
async function sidewaysPhoto(): Promise<Buffer> {
  return sharp({ create: { width: 1000, height: 600, channels: 3, background: '#c33' } })
    .withMetadata({ orientation: 6 })
    .withExif({ IFD0: { Artist: 'Secret Artist', Copyright: 'Private Person' } })
    .jpeg()
    .toBuffer();
}

function upload(s: TestSession, file: Buffer, name = 'photo.jpg', target = app) {
  return request(target).post(`/account/avatar?_csrf=${encodeURIComponent(s.csrf)}`).set('Cookie', s.cookie).attach('avatar', file, name);
}

describe('avatar upload', () => {
  let user: Awaited<ReturnType<typeof makeUser>>;
  let s: TestSession;
  beforeAll(async () => {
    user = await makeUser();
    s = sessionFor(user, config);
  });

  it('re-encodes to WebP, upright, inside 480x480, without metadata, and shows it', async () => {
    const photo = await sidewaysPhoto();
    expect(photo.toString('latin1')).toContain('Secret Artist');
    const res = await upload(s, photo);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');

    const stored = await User.findById(user._id).lean();
    expect(stored!.avatarKey).toMatch(new RegExp(`^avatars/${String(user._id)}/[a-f0-9]{32}\\.webp$`));
    const served = await request(app).get(`/uploads/${stored!.avatarKey}`);
    expect(served.status).toBe(200);
    const bytes = served.body as Buffer;
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('webp');
    // Orientation 6 applied: the landscape photo is now portrait, fitted to 480 high.
    expect([meta.width, meta.height]).toEqual([288, 480]);
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(bytes.toString('latin1')).not.toContain('Secret Artist');

    const page = await request(app).get('/account').set('Cookie', s.cookie);
    expect(page.text).toContain(`src="/uploads/${stored!.avatarKey}"`);
  });

  it('does not enlarge a small picture, and replaces (deletes) the previous file', async () => {
    const previous = (await User.findById(user._id).lean())!.avatarKey!;
    const small = await sharp({ create: { width: 64, height: 40, channels: 4, background: '#36c8' } }).png().toBuffer();
    expect((await upload(s, small, 'small.png')).status).toBe(303);
    const current = (await User.findById(user._id).lean())!.avatarKey!;
    expect(current).not.toBe(previous);
    const meta = await sharp((await request(app).get(`/uploads/${current}`)).body as Buffer).metadata();
    expect([meta.width, meta.height]).toEqual([64, 40]);
    expect(existsSync(join(config.uploadDir, previous))).toBe(false);
    expect((await request(app).get(`/uploads/${previous}`)).status).toBe(404);
  });

  it('refuses a file that is not an image, whatever its name says (415)', async () => {
    const before = (await User.findById(user._id).lean())!.avatarKey;
    const res = await upload(s, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'evil.png');
    expect(res.status).toBe(415);
    const truncated = (await sidewaysPhoto()).subarray(0, 400);
    expect((await upload(s, truncated, 'broken.jpg')).status).toBe(415);
    expect((await User.findById(user._id).lean())!.avatarKey).toBe(before);
  });

  it('refuses a file over the upload limit (413)', async () => {
    const tight = testApp({ maxUploadBytes: 2048 });
    const big = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    expect(big.length).toBeGreaterThan(2048);
    const ts = sessionFor(user, tight.config);
    const res = await upload(ts, big, 'big.png', tight.app);
    expect(res.status).toBe(413);
    // Shown on the account page beside the avatar field (the one error handler), not on an error page.
    expect(res.text).toContain('name="avatar"');
    expect(res.text).toContain('That upload is too large');
  });

  it('asks for a file when none was sent (422, the account page again)', async () => {
    const res = await request(app)
      .post(`/account/avatar?_csrf=${encodeURIComponent(s.csrf)}`)
      .set('Cookie', s.cookie)
      .field('other', 'x');
    expect(res.status).toBe(422);
    expect(res.text).toContain('Choose an image file to upload.');
    expect(res.text).toContain('action="/account/password"');
  });

  it('needs a signed-in user', async () => {
    const anonymous = anonymousSession(config);
    const res = await upload(anonymous, await sidewaysPhoto());
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/signin\?next=/);
  });

  it('goes back to the default picture on request, deleting the file', async () => {
    const key = (await User.findById(user._id).lean())!.avatarKey!;
    const res = await request(app).post('/account/avatar/delete').type('form').set('Cookie', s.cookie).send({ _csrf: s.csrf });
    expect(res.status).toBe(303);
    expect((await User.findById(user._id).lean())!.avatarKey).toBeUndefined();
    expect(existsSync(join(config.uploadDir, key))).toBe(false);
    const page = await request(app).get('/account').set('Cookie', s.cookie);
    expect(page.text).toContain('src="/public/img/avatar-default.svg"');
  });

  it('uploads and removals are in the audit log', async () => {
    const entries = await AuditEntry.find({ action: 'user.avatar', targetId: String(user._id) }).sort({ at: 1 }).lean();
    // Two uploads above (the first and its replacement), then the removal.
    expect(entries.map((e) => e.detail)).toEqual(['new avatar uploaded', 'new avatar uploaded', 'avatar removed']);
    for (const e of entries) expect(e).toMatchObject({ actorName: user.displayName, targetLabel: user.username });
  });
});
