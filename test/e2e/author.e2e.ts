// The demo author signs in, uploads a cover in the media library, writes a post with it, previews it,
// publishes it, and finds it first on the home page: signed in, and in a fresh anonymous browser (so the
// anonymous page cache has let go of the old home page).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectImageLoaded, expectNoProblems, expectNoSidewaysScroll, header, main, signIn, startJourney, useBrowser, WIDTHS } from './support/browser.js';

useBrowser();

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'quire-e2e-author-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A 1600 x 900 PNG, like a photo straight from a screenshot tool. */
async function coverFile(name: string): Promise<string> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#0d6efd"/><stop offset="1" stop-color="#20c997"/></linearGradient></defs>
    <rect width="1600" height="900" fill="url(#g)"/><circle cx="1200" cy="300" r="180" fill="#ffffff" fill-opacity="0.35"/>
  </svg>`;
  const file = join(scratch, name);
  await sharp(Buffer.from(svg)).png().toFile(file);
  return file;
}

const firstCardTitle = async (journey: { page: import('playwright-core').Page }) =>
  (await main(journey.page).getByRole('article').first().getByRole('heading').textContent())?.trim();

describe.each(WIDTHS)('an author at %i px', (width) => {
  it('uploads a cover, writes, previews and publishes a post that then leads the home page', async () => {
    const author = inject('credentials').author;
    const title = `Field notes from a ${width} pixel screen`;
    const filename = `e2e-cover-${width}.png`;
    const alt = `A blue and green gradient with a pale circle (${width} px run)`;

    // A visitor has the home page in the anonymous cache before the post exists.
    const visitor = await startJourney(`author-${width}-visitor`, { width });
    await visitor.page.goto('/');
    expect(await firstCardTitle(visitor)).not.toBe(title);

    const journey = await startJourney(`author-${width}`, { width });
    const { page } = journey;
    await signIn(page, author);
    await header(page).getByRole('link', { name: 'Dashboard' }).waitFor();

    await Promise.all([page.waitForURL('**/media'), header(page).getByRole('link', { name: 'Media' }).click()]);
    await expectNoSidewaysScroll(page);
    await page.getByLabel('Image file').setInputFiles(await coverFile(filename));
    await page.getByLabel('Alt text').fill(alt);
    await journey.shot('media-upload-form');
    // With the script the upload goes by XHR and then reloads the library; without it, the form posts.
    await Promise.all([
      page.waitForResponse((res) => res.url().includes('/media') && res.request().method() === 'POST'),
      main(page).getByRole('button', { name: 'Upload' }).click(),
    ]);
    const card = main(page).getByRole('article').filter({ has: page.getByRole('heading', { name: filename, exact: true }) });
    await card.waitFor();
    await expectImageLoaded(card.locator('img'));
    await expectNoSidewaysScroll(page);
    await journey.shot('media-uploaded');

    await page.goto('/posts/new');
    await page.getByLabel('Title', { exact: true }).fill(title);
    // The body is CodeMirror over the form's textarea (a textbox of its own; the textarea is hidden).
    await page
      .getByRole('textbox', { name: /^Body/ })
      .fill(`Written by a browser that is ${width} pixels wide.\n\n## What we checked\n\n- The **cover** came from the media library.\n- The preview shows this list.\n`);
    await page.getByLabel('Tags').fill('Testing, Field notes');
    const picker = page.getByRole('group', { name: 'Cover image' });
    await picker.getByText(filename).click();
    expect(await picker.getByRole('radio', { name: new RegExp(filename.replace('.', '\\.')) }).isChecked()).toBe(true);
    await expectNoSidewaysScroll(page);
    await journey.shot('editor');

    // Preview opens in a new tab and saves nothing.
    const [preview] = await Promise.all([journey.context.waitForEvent('page'), page.getByRole('button', { name: /^Preview/ }).click()]);
    await preview.waitForLoadState();
    await preview.getByRole('status').filter({ hasText: 'Preview.' }).waitFor();
    const previewed = main(preview).getByRole('article');
    expect((await previewed.getByRole('heading', { level: 1 }).textContent())?.trim()).toBe(title);
    expect(await previewed.locator('.post-body h2').textContent()).toBe('What we checked');
    expect(await previewed.locator('.post-body li strong').textContent()).toBe('cover');
    await expectImageLoaded(previewed.locator('.post-cover img'));
    expect(await previewed.locator('.post-cover img').getAttribute('alt')).toBe(alt);
    await expectNoSidewaysScroll(preview);
    await journey.shot('preview', preview);
    await preview.close();

    await Promise.all([page.waitForURL(/\/posts\/[a-z0-9-]+\/edit$/), page.getByRole('button', { name: 'Publish now' }).click()]);
    await main(page).getByRole('alert').or(main(page).getByRole('status')).filter({ hasText: 'Published' }).first().waitFor();
    await journey.shot('published');

    await Promise.all([page.waitForURL((url) => url.pathname === '/'), header(page).getByRole('link', { name: 'Quire' }).click()]);
    expect(await firstCardTitle(journey)).toBe(title);
    await expectImageLoaded(main(page).getByRole('article').first().locator('img.cover'));
    await expectNoSidewaysScroll(page);
    await journey.shot('home-signed-in');

    await visitor.page.reload();
    expect(await firstCardTitle(visitor)).toBe(title);
    await visitor.shot('home-anonymous');
    const fresh = await startJourney(`author-${width}-fresh-visitor`, { width });
    await fresh.page.goto('/');
    expect(await firstCardTitle(fresh)).toBe(title);
    await Promise.all([fresh.page.waitForURL(/\/posts\/[a-z0-9-]+$/), main(fresh.page).getByRole('link', { name: title }).click()]);
    expect((await main(fresh.page).getByRole('heading', { level: 1 }).textContent())?.trim()).toBe(title);
    await expectImageLoaded(main(fresh.page).getByRole('article').locator('.post-cover img'));
    await fresh.shot('post');

    expectNoProblems(journey);
    expectNoProblems(visitor);
    expectNoProblems(fresh);
  });
});
