// What is stored: re-encoded originals without metadata, upright, WebP variants at the standard widths
// below the image's own plus its own (never upscaled), under keys made from ids, served with immutable caching and nosniff.
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_PIXELS, probeImage } from '../../src/media/image-pipeline.js';
import { Media } from '../../src/media/media.model.js';
import { displayFilename } from '../../src/media/media.service.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { filesUnder, makeImage, upload } from '../support/media.js';
import { sessionFor, type TestSession } from '../support/session.js';

// UPLOAD_DIR one level down in a folder of its own, so "nothing outside it" can be checked.
const sandbox = mkdtempSync(join(tmpdir(), 'quire-media-sandbox-'));
const { app, config } = testApp({ uploadDir: join(sandbox, 'uploads') });
let author: TestSession;

beforeAll(async () => {
  author = sessionFor(await makeUser({ role: 'author' }), config);
});

async function uploadAndLoad(data: Buffer, filename: string) {
  const res = await upload(app, author, data, { filename });
  expect(res.status).toBe(303);
  const media = await Media.findOne().sort({ _id: -1 }).lean();
  expect(media).not.toBeNull();
  return media!;
}

describe('variants', () => {
  it('a 2000 px wide image gets 320, 640, 1280 and 1920 px WebP files, with their sizes recorded', async () => {
    const media = await uploadAndLoad(await makeImage('jpeg', 2000, 1000), 'wide.jpg');
    expect(media.variants.map((v) => [v.width, v.height])).toEqual([
      [320, 160],
      [640, 320],
      [1280, 640],
      [1920, 960],
    ]);
    for (const v of media.variants) {
      expect(v.key).toBe(`media/${media.storageKey}/${v.width}.webp`);
      const file = join(config.uploadDir, v.key);
      const meta = await sharp(file).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', v.width, v.height]);
      expect(v.bytes).toBe(statSync(file).size);
    }
    expect(media.bytes).toBe(statSync(join(config.uploadDir, media.originalKey)).size);
    expect(readdirSync(join(config.uploadDir, 'media', media.storageKey!)).sort()).toEqual(
      ['1280.webp', '1920.webp', '320.webp', '640.webp', 'original.jpg'].sort(),
    );
  });

  it('a 1200 px wide image gets 320, 640 and 1200: shown at its own width, never upscaled to 1280', async () => {
    const media = await uploadAndLoad(await makeImage('png', 1200, 600), 'medium.png');
    expect(media.variants.map((v) => [v.width, v.height])).toEqual([
      [320, 160],
      [640, 320],
      [1200, 600],
    ]);
    expect(media).toMatchObject({ width: 1200, height: 600 });
    for (const v of media.variants) {
      const meta = await sharp(join(config.uploadDir, v.key)).metadata();
      expect([meta.width, meta.height]).toEqual([v.width, v.height]);
    }
    expect(readdirSync(join(config.uploadDir, 'media', media.storageKey!)).sort()).toEqual(['1200.webp', '320.webp', '640.webp', 'original.png']);
  });

  it('an image as wide as a standard width gets that width once', async () => {
    const media = await uploadAndLoad(await makeImage('png', 640, 320), 'exact.png');
    expect(media.variants.map((v) => v.width)).toEqual([320, 640]);
  });

  it('a 300 px wide image gets one variant, at 300: nothing wider than the upload', async () => {
    const media = await uploadAndLoad(await makeImage('webp', 300, 150), 'small.webp');
    expect(media.variants.map((v) => [v.width, v.height])).toEqual([[300, 150]]);
  });

  it('an image narrower than 320 px gets one variant at its own width', async () => {
    const media = await uploadAndLoad(await makeImage('webp', 200, 100), 'small.webp');
    expect(media.variants.map((v) => [v.width, v.height])).toEqual([[200, 100]]);
  });

  it('an animated GIF stays animated, and its height is one frame', async () => {
    const frames = await Promise.all(
      [0, 1, 2].map((i) => sharp({ create: { width: 400, height: 200, channels: 4, background: { r: i * 100, g: 0, b: 0, alpha: 1 } } }).png().toBuffer()),
    );
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    const media = await uploadAndLoad(gif, 'anim.gif');
    expect(media).toMatchObject({ format: 'gif', width: 400, height: 200 });
    const stored = await sharp(join(config.uploadDir, media.originalKey), { animated: true }).metadata();
    expect(stored.pages).toBe(3);
    const variant = await sharp(join(config.uploadDir, media.variants[0]!.key), { animated: true }).metadata();
    expect([variant.pages, variant.width, variant.pageHeight]).toEqual([3, 320, 160]);
  });
});

describe('metadata and orientation', () => {
  it('EXIF (GPS included) is gone from the stored original and every variant', async () => {
    const withGps = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#468' } })
      .jpeg()
      .withExif({ IFD0: { Make: 'Spy Camera' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 2645/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3966/100' } })
      .toBuffer();
    const input = await sharp(withGps).metadata();
    expect(input.exif?.includes(Buffer.from('Spy Camera'))).toBe(true);

    const media = await uploadAndLoad(withGps, 'located.jpg');
    for (const key of [media.originalKey, ...media.variants.map((v) => v.key)]) {
      const meta = await sharp(join(config.uploadDir, key)).metadata();
      expect(meta.exif, key).toBeUndefined();
      expect(meta.xmp, key).toBeUndefined();
      const raw = await sharp(join(config.uploadDir, key)).toBuffer();
      expect(raw.includes(Buffer.from('Spy Camera')), key).toBe(false);
    }
  });

  it('the EXIF orientation is applied: a 400x200 picture marked "rotate 90" is stored 200x400', async () => {
    const sideways = await sharp({ create: { width: 400, height: 200, channels: 3, background: '#864' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(sideways).metadata()).orientation).toBe(6);
    const media = await uploadAndLoad(sideways, 'sideways.jpg');
    expect(media).toMatchObject({ width: 200, height: 400 });
    const stored = await sharp(join(config.uploadDir, media.originalKey)).metadata();
    expect([stored.width, stored.height, stored.orientation]).toEqual([200, 400, undefined]);
    expect(media.variants.map((v) => [v.width, v.height])).toEqual([[200, 400]]);
  });

  it('bytes appended after a valid JPEG (a polyglot) do not survive re-encoding', async () => {
    const payload = Buffer.from('<?php system($_GET["c"]); ?>');
    const polyglot = Buffer.concat([await makeImage('jpeg', 100, 80), payload]);
    const media = await uploadAndLoad(polyglot, 'polyglot.jpg');
    for (const key of [media.originalKey, ...media.variants.map((v) => v.key)]) {
      expect(readFileSync(join(config.uploadDir, key)).includes(payload), key).toBe(false);
    }
  });
});

describe('names', () => {
  // Raw multipart, to send exactly the header a hostile client would.
  function rawUpload(disposition: string, data: Buffer) {
    const boundary = 'quire-test-boundary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="alt"\r\n\r\nAlt text\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: image/jpeg\r\n\r\n`, 'utf8'),
      data,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return request(app)
      .post(`/media?_csrf=${encodeURIComponent(author.csrf)}`)
      .set('Cookie', author.cookie)
      .set('Content-Type', `multipart/form-data; boundary=${boundary}`)
      .send(body);
  }

  it('a name with ../ and NUL is cleaned for display and never reaches the disk', async () => {
    const before = await Media.countDocuments();
    const res = await rawUpload(`form-data; name="file"; filename*=UTF-8''..%2F..%2F..%2Fetc%2Fevil%00name.jpg`, await makeImage('jpeg'));
    expect(res.status).toBe(303);
    expect(await Media.countDocuments()).toBe(before + 1);
    const media = (await Media.findOne().sort({ _id: -1 }).lean())!;
    expect(media.filename).toBe('evilname.jpg');
    expect(media.originalKey).toMatch(/^media\/[a-f0-9]{32}\/original\.jpg$/);
    expect(readdirSync(sandbox)).toEqual(['uploads']);
    for (const file of filesUnder(config.uploadDir)) expect(file).toMatch(/^media\/[a-f0-9]{32}\/(original\.[a-z]+|\d+\.webp)$/);
  });

  it('a raw NUL in the part header is a malformed upload: 400, nothing stored', async () => {
    const before = filesUnder(config.uploadDir);
    const res = await rawUpload('form-data; name="file"; filename="../a\u0000b.jpg"', await makeImage('jpeg'));
    expect(res.status).toBe(400);
    expect(filesUnder(config.uploadDir)).toEqual(before);
    expect(readdirSync(sandbox)).toEqual(['uploads']);
  });

  it('plain ../ names keep their last part; UTF-8 names stay readable', async () => {
    expect((await uploadAndLoad(await makeImage('jpeg'), '../../../etc/passwd.jpg')).filename).toBe('passwd.jpg');
    expect((await uploadAndLoad(await makeImage('jpeg'), 'café ☕.jpg')).filename).toBe('café ☕.jpg');
    expect(readdirSync(sandbox)).toEqual(['uploads']);
  });

  it('a Windows path keeps only its last part', async () => {
    const media = await uploadAndLoad(await makeImage('jpeg'), 'C:\\Users\\me\\..\\holiday.jpg');
    expect(media.filename).toBe('holiday.jpg');
  });

  it('displayFilename drops control and direction-override characters and bounds the length', () => {
    expect(displayFilename('a\u0000b\u0007c\u202Egpj.exe')).toBe('abcgpj.exe');
    expect(displayFilename('..')).toBe('image');
    expect(displayFilename('x'.repeat(500))).toHaveLength(120);
    expect(displayFilename(undefined)).toBe('image');
  });
});

describe('the pixel limit', () => {
  it('is checked from the header: an image over the limit is PayloadTooLarge, under it is fine', async () => {
    const image = await makeImage('png', 1000, 1000);
    await expect(probeImage(image, { maxPixels: 999_999 })).rejects.toMatchObject({ status: 413 });
    await expect(probeImage(image, { maxPixels: 1_000_000 })).resolves.toMatchObject({ format: 'png', width: 1000, height: 1000 });
    expect(MAX_INPUT_PIXELS).toBe(50_000_000);
  });
});

describe('serving', () => {
  it('stored files are served with long immutable caching, nosniff and their image type', async () => {
    const media = await uploadAndLoad(await makeImage('jpeg', 700, 400), 'served.jpg');
    const variant = await request(app).get(`/uploads/${media.variants[0]!.key}`);
    expect(variant.status).toBe(200);
    expect(variant.headers['content-type']).toBe('image/webp');
    expect(variant.headers['cache-control']).toMatch(/max-age=31536000/);
    expect(variant.headers['cache-control']).toMatch(/immutable/);
    expect(variant.headers['x-content-type-options']).toBe('nosniff');
    const original = await request(app).get(`/uploads/${media.originalKey}`);
    expect(original.headers['content-type']).toBe('image/jpeg');
    expect(original.headers['x-content-type-options']).toBe('nosniff');
  });

  it('paths outside the upload folder are not served', async () => {
    const res = await request(app).get('/uploads/../package.json');
    expect(res.status).toBe(404);
    expect(existsSync(join(config.uploadDir, '..', 'package.json'))).toBe(false);
  });
});
