// Images at the right size: every upload gets the standard widths below its own plus its own, pages list
// them in srcset with `sizes` for their place in the layout, and every <img> has width and height so the
// page does not shift while images load. Body images that are library uploads get their size and
// renditions when the body is rendered; only the renderer writes srcset and sizes.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Media } from '../../src/media/media.model.js';
import { bodyImageSizes } from '../../src/posts/body-images.js';
import { Post } from '../../src/posts/post.model.js';
import { elementTexts } from '../posts/xml.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makeImage, upload } from '../support/media.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
let author: TestSession;

beforeAll(async () => {
  author = sessionFor(await makeUser({ role: 'author', displayName: 'Ann Author' }), config);
});

/** Uploads an image through the real route and returns its record. */
async function uploaded(width: number, height: number, alt: string) {
  const res = await upload(app, author, await makeImage('png', width, height), { filename: `${alt}.png`, contentType: 'image/png', alt });
  expect(res.status).toBe(303);
  return (await Media.findOne({ alt }).lean())!;
}

function imgTags(html: string): string[] {
  return html.match(/<img\b[^>]*>/g) ?? [];
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

/** The widths a srcset offers, in its order. */
function srcsetWidths(tag: string): number[] {
  return (attr(tag, 'srcset') ?? '').split(', ').filter(Boolean).map((c) => Number(/ (\d+)w$/.exec(c)?.[1]));
}

function expectSized(tag: string): void {
  expect(attr(tag, 'width'), tag).toMatch(/^\d+$/);
  expect(attr(tag, 'height'), tag).toMatch(/^\d+$/);
  if (attr(tag, 'srcset')) expect(attr(tag, 'sizes'), tag).toBeTruthy();
}

async function publish(fields: Record<string, string>) {
  const res = await request(app).post('/posts').set('Cookie', author.cookie).type('form').send({ _csrf: author.csrf, intent: 'publish', ...fields });
  expect(res.status).toBe(303);
  return (await Post.findOne({ title: fields.title }).lean())!;
}

describe('pages show every rendition, at its size', () => {
  let wide: Awaited<ReturnType<typeof uploaded>>;
  let small: Awaited<ReturnType<typeof uploaded>>;
  let slug: string;

  beforeAll(async () => {
    wide = await uploaded(1200, 600, 'Wide kite');
    small = await uploaded(300, 150, 'Small kite');
    const largest = (m: typeof wide) => `/uploads/${m.variants[m.variants.length - 1]!.key}`;
    const post = await publish({
      title: 'Kites at their size',
      coverMediaId: String(wide._id),
      coverAlt: 'Cover kite',
      body: `Intro.\n\n![Body wide](${largest(wide)})\n\n![Body small](${largest(small)})\n\n![Elsewhere](https://cdn.example/photo.jpg)`,
    });
    slug = post.slug;
  });

  it('a 1200-px upload has renditions at 320, 640 and 1200, and a 300-px one at 300 only: none wider than the upload', () => {
    expect(wide.variants.map((v) => v.width)).toEqual([320, 640, 1200]);
    expect(small.variants.map((v) => v.width)).toEqual([300]);
  });

  it('the post page: cover and library body images have width, height, a srcset of every rendition and sizes', async () => {
    const page = await request(app).get(`/posts/${slug}`);
    expect(page.status).toBe(200);
    const tags = imgTags(page.text);
    const cover = tags.find((t) => attr(t, 'alt') === 'Cover kite')!;
    const bodyWide = tags.find((t) => attr(t, 'alt') === 'Body wide')!;
    const bodySmall = tags.find((t) => attr(t, 'alt') === 'Body small')!;
    for (const tag of [cover, bodyWide, bodySmall]) expect(tag).toBeDefined();

    expect(srcsetWidths(cover)).toEqual([320, 640, 1200]);
    expect(attr(cover, 'srcset')).toBe(wide.variants.map((v) => `/uploads/${v.key} ${v.width}w`).join(', '));
    expect([attr(cover, 'width'), attr(cover, 'height')]).toEqual(['1200', '600']);
    expect(attr(cover, 'sizes')).toBe('(min-width: 768px) 672px, (min-width: 576px) 516px, calc(100vw - 1.5rem)');

    expect(attr(bodyWide, 'srcset')).toBe(wide.variants.map((v) => `/uploads/${v.key} ${v.width}w`).join(', '));
    expect([attr(bodyWide, 'width'), attr(bodyWide, 'height')]).toEqual(['1200', '600']);
    expect(attr(bodyWide, 'sizes')).toBe('(min-width: 768px) 672px, (min-width: 576px) 516px, calc(100vw - 1.5rem)');

    // A small image is shown at its own width, not stretched to the column: sizes says so.
    expect(attr(bodySmall, 'srcset')).toBe(`/uploads/${small.variants[0]!.key} 300w`);
    expect([attr(bodySmall, 'width'), attr(bodySmall, 'height')]).toEqual(['300', '150']);
    expect(attr(bodySmall, 'sizes')).toBe('(min-width: 324px) 300px, calc(100vw - 1.5rem)');

    // Avatars too: every <img> on the page has its size.
    for (const tag of tags.filter((t) => attr(t, 'src') !== 'https://cdn.example/photo.jpg')) expectSized(tag);
    // An image from elsewhere has no known size and gets no srcset (only its author can give it width and height).
    const elsewhere = tags.find((t) => attr(t, 'alt') === 'Elsewhere')!;
    expect(attr(elsewhere, 'srcset')).toBeUndefined();
  });

  it('the live preview shows body images exactly as the published page does', async () => {
    const post = (await Post.findOne({ slug }).lean())!;
    const preview = await request(app).post('/posts/preview').set('Cookie', author.cookie).set('x-csrf-token', author.csrf).set('Accept', 'application/json').send({ body: post.bodyMarkdown });
    expect(preview.status).toBe(200);
    expect(preview.body.html).toBe(post.bodyHtml);
    expect(preview.body.html).toContain(' srcset="');
  });

  it('the feed keeps the body images’ width and height but no srcset (its relative URLs would not resolve in a reader)', async () => {
    const feed = await request(app).get('/feed.xml');
    const content = elementTexts(feed.text, 'content:encoded').find((c) => c.includes('Body wide'))!;
    const bodyWide = imgTags(content).find((t) => attr(t, 'alt') === 'Body wide')!;
    expect([attr(bodyWide, 'width'), attr(bodyWide, 'height')]).toEqual(['1200', '600']);
    expect(attr(bodyWide, 'src')).toMatch(/^http:\/\//);
    expect(content).not.toMatch(/srcset|sizes=/);
  });

  it('the home page: every <img> has width and height; covers have srcset and sizes for the grid', async () => {
    const home = await request(app).get('/');
    const tags = imgTags(home.text);
    expect(tags.length).toBeGreaterThanOrEqual(2);
    for (const tag of tags) expectSized(tag);
    const cover = tags.find((t) => attr(t, 'alt') === 'Cover kite')!;
    expect(srcsetWidths(cover)).toEqual([320, 640, 1200]);
    expect(attr(cover, 'sizes')).toMatch(/^\(min-width: 1400px\) \d+px, .*calc\(100vw - 1\.5rem\)$/);
  });

  it('the media library and the admin’s media list: every <img> has width and height, and sizes with its srcset', async () => {
    const library = await request(app).get('/media').set('Cookie', author.cookie);
    const tags = imgTags(library.text);
    const thumbs = tags.filter((t) => attr(t, 'srcset'));
    expect(thumbs.length).toBe(2);
    for (const tag of tags) expectSized(tag);
    // The admin's list shows 64-px thumbnails: sizes says so, so the browser fetches the smallest rendition.
    const admin = await request(app).get('/admin/media').set('Cookie', sessionFor(await makeUser({ role: 'editor' }), config).cookie);
    const adminTags = imgTags(admin.text);
    expect(adminTags.filter((t) => attr(t, 'sizes') === '64px').length).toBe(2);
    for (const tag of adminTags) expectSized(tag);
    const one = await request(app).get(`/media/${String(wide._id)}`).set('Cookie', author.cookie);
    const preview = imgTags(one.text).find((t) => attr(t, 'alt') === 'Wide kite')!;
    expectSized(preview);
    expect(srcsetWidths(preview)).toEqual([320, 640, 1200]);
  });
});

describe('only the renderer writes srcset and sizes', () => {
  it('an author’s own srcset and sizes are dropped, on library and other images alike', async () => {
    const image = await uploaded(700, 350, 'Raw kite');
    const own = `/uploads/${image.variants[0]!.key}`;
    const post = await publish({
      title: 'Raw images',
      body: [
        `<img src="${own}" srcset="https://tracker.example/pixel.gif 4000w" sizes="1px" alt="raw own">`,
        '<img src="https://cdn.example/a.png" srcset="https://tracker.example/b.gif 2x" sizes="1px" alt="raw other" width="40" height="30">',
      ].join('\n\n'),
    });
    const [rawOwn, rawOther] = imgTags(post.bodyHtml);
    expect(attr(rawOwn!, 'srcset')).toBe(image.variants.map((v) => `/uploads/${v.key} ${v.width}w`).join(', '));
    expect(attr(rawOwn!, 'sizes')).toBe(bodyImageSizes(700));
    expect(post.bodyHtml).not.toContain('tracker.example');
    expect(attr(rawOther!, 'srcset')).toBeUndefined();
    expect(attr(rawOther!, 'sizes')).toBeUndefined();
    expect([attr(rawOther!, 'width'), attr(rawOther!, 'height')]).toEqual(['40', '30']);
  });

  it('a width the author gave is kept, and sizes follows it; the renditions keep the base URL the author used', async () => {
    const image = await uploaded(1000, 500, 'Stored elsewhere');
    const base = 'https://media.example.net/';
    const post = await publish({ title: 'Sized by hand', body: `<img src="${base}${image.variants[1]!.key}" width="400" alt="by hand">` });
    const [tag] = imgTags(post.bodyHtml);
    expect(attr(tag!, 'width')).toBe('400');
    expect(attr(tag!, 'height')).toBeUndefined();
    expect(attr(tag!, 'sizes')).toBe(bodyImageSizes(400));
    expect(attr(tag!, 'srcset')).toBe(image.variants.map((v) => `${base}${v.key} ${v.width}w`).join(', '));
    expect(post.mediaIds.map(String)).toEqual([String(image._id)]);
  });

  it('a URL naming a library image’s folder but not one of its files is left alone', async () => {
    const image = await uploaded(500, 250, 'Unknown file');
    const post = await publish({ title: 'Wrong file', body: `![wrong](/uploads/media/${image.storageKey}/9999.webp)` });
    const [tag] = imgTags(post.bodyHtml);
    expect(attr(tag!, 'srcset')).toBeUndefined();
    expect(attr(tag!, 'width')).toBeUndefined();
  });
});

describe('sizes of a body image', () => {
  it('follows the post column at each breakpoint, and the image’s own width where that is narrower', () => {
    expect(bodyImageSizes(1920)).toBe('(min-width: 768px) 672px, (min-width: 576px) 516px, calc(100vw - 1.5rem)');
    expect(bodyImageSizes(600)).toBe('(min-width: 768px) 600px, (min-width: 576px) 516px, calc(100vw - 1.5rem)');
    expect(bodyImageSizes(300)).toBe('(min-width: 324px) 300px, calc(100vw - 1.5rem)');
  });
});
