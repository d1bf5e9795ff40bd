// `npm run media:renditions` on a library uploaded before renditions were made at each image's own width:
// the missing rendition is made from the stored original and added to the record, the bodies showing the
// image are rendered again with it (and their size), and a second run does nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { Media } from '../../src/media/media.model.js';
import { addMissingRenditions } from '../../src/media/renditions-backfill.js';
import { LocalDiskStorage } from '../../src/media/storage.js';
import { refreshBodyImages } from '../../src/posts/body-refresh.js';
import { renderMarkdown } from '../../src/posts/markdown.js';
import { Post } from '../../src/posts/post.model.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makeImage, upload } from '../support/media.js';
import { makePost } from '../support/posts.js';
import { sessionFor } from '../support/session.js';

const { app, config } = testApp();
const storage = new LocalDiskStorage(config.uploadDir, '/uploads');
let author: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  author = await makeUser({ role: 'author' });
});

/** An upload as the previous rule stored it: its own-width rendition neither on record nor on disk. */
async function oldStyleUpload(width: number, height: number, alt: string) {
  expect((await upload(app, sessionFor(author, config), await makeImage('jpeg', width, height), { alt })).status).toBe(303);
  const media = (await Media.findOne({ alt }).lean())!;
  const own = media.variants.find((v) => v.width === width)!;
  await storage.delete(own.key);
  await Media.updateOne({ _id: media._id }, { $set: { variants: media.variants.filter((v) => v !== own) } });
  return { ...media, ownKey: own.key };
}

describe('npm run media:renditions', () => {
  it('adds the missing own-width rendition, renders the bodies that show it again, and a second run changes nothing', async () => {
    const media = await oldStyleUpload(1200, 600, 'Old kite');
    expect((await upload(app, sessionFor(author, config), await makeImage('jpeg', 700, 350), { alt: 'Already whole' })).status).toBe(303);
    const whole = (await Media.findOne({ alt: 'Already whole' }).lean())!;
    const markdown = `An old post.\n\n![Old kite](/uploads/media/${media.storageKey}/640.webp)`;
    const post = await makePost({ author, title: 'Old post', body: markdown, status: 'published' });
    // As it was stored before body images were sized.
    await Post.updateOne({ _id: post._id }, { $set: { bodyHtml: renderMarkdown(markdown) } });
    expect((await Post.findById(post._id).lean())!.bodyHtml).not.toContain('srcset');

    const first = await addMissingRenditions(storage);
    expect(first.failures).toEqual([]);
    expect(first.updated.map(String)).toEqual([String(media._id)]);
    expect(first.made).toBe(1);
    expect((await Media.findById(whole._id).lean())!.variants).toEqual(whole.variants);
    const after = (await Media.findById(media._id).lean())!;
    expect(after.variants.map((v) => [v.width, v.height])).toEqual([[320, 160], [640, 320], [1200, 600]]);
    expect(after.variants[2]!.key).toBe(media.ownKey);
    const file = await sharp(join(config.uploadDir, media.ownKey)).metadata();
    expect([file.format, file.width, file.height]).toEqual(['webp', 1200, 600]);
    expect(after.alt).toBe('Old kite');

    const bodies = await refreshBodyImages();
    expect(bodies.updated).toBe(1);
    const refreshed = (await Post.findById(post._id).lean())!;
    expect(refreshed.bodyHtml).toContain(`srcset="/uploads/media/${media.storageKey}/320.webp 320w, /uploads/media/${media.storageKey}/640.webp 640w, /uploads/media/${media.storageKey}/1200.webp 1200w"`);
    expect(refreshed.bodyHtml).toContain('width="1200" height="600"');
    // The version did not move: an editor open on the post saves as usual.
    expect(refreshed.version).toBe(post.version);

    const second = await addMissingRenditions(storage);
    expect([second.made, second.updated.length]).toEqual([0, 0]);
    expect((await refreshBodyImages()).updated).toBe(0);
  });

  it('an image deleted while its renditions are made keeps no files', async () => {
    const media = await oldStyleUpload(900, 450, 'Going away');
    // The record goes between the listing and the update: simulated by deleting it once the original is read.
    const deleting: typeof storage = Object.create(storage);
    deleting.get = async (key) => {
      const data = await storage.get(key);
      await Media.deleteOne({ _id: media._id });
      return data;
    };
    const result = await addMissingRenditions(deleting);
    expect(result).toMatchObject({ made: 0, updated: [], failures: [] });
    expect(existsSync(join(config.uploadDir, media.ownKey))).toBe(false);
  });
});
