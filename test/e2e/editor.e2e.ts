// The enhanced editor in a real browser: CodeMirror under the strict CSP (no console errors), live
// preview, autosave that survives a reload and a server restart, the unsaved-changes warning, images pasted into the body,
// and screenshots at desktop and phone widths.
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { MARKDOWN_CORPUS } from '../support/markdown-corpus.js';
import { expectNoProblems, expectNoSidewaysScroll, header, main, restartServer, signIn, startJourney, useBrowser, WIDTHS } from './support/browser.js';

useBrowser();

const editorContent = (page: Page) => page.locator('.editor-cm .cm-content');
const saveState = (page: Page) => page.locator('.editor-save-state');

async function typeInEditor(page: Page, text: string): Promise<void> {
  await editorContent(page).click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.insertText(text);
}

describe.each(WIDTHS)('the editor at %i px', (width) => {
  it('edits Markdown with a toolbar and a live preview, and autosaves a new post that survives a reload', async () => {
    const journey = await startJourney(`editor-${width}`, { width });
    const { page } = journey;
    await signIn(page, inject('credentials').author);
    await header(page).getByRole('link', { name: 'Dashboard' }).waitFor();
    await page.goto('/posts/new');
    await editorContent(page).waitFor();
    // The form field is still the textarea; CodeMirror only shows and edits it.
    expect(await page.locator('textarea[name="body"]').isHidden()).toBe(true);

    const title = `Autosaved at ${width} px`;
    await page.getByLabel('Title', { exact: true }).fill(title);
    await typeInEditor(page, 'Some words to keep.\n\n```js\nconst answer = 42;\n```\n\n');
    // Bold from the toolbar wraps the selection.
    await page.keyboard.insertText('strong');
    await page.keyboard.press('Shift+Home');
    await page.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Bold' }).click();
    await expect.poll(() => page.locator('textarea[name="body"]').inputValue()).toContain('**strong**');

    // Live preview: the server's rendering, highlighted code included (a tab on phones).
    if (width < 992) await page.getByRole('tab', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.locator('strong', { hasText: 'strong' }).waitFor();
    await preview.locator('.hljs-keyword', { hasText: 'const' }).waitFor();
    await expect.poll(() => page.locator('.editor-counts').textContent()).toMatch(/\d+ words · 1 min read/);
    await journey.shot('editor-preview');
    if (width < 992) await page.getByRole('tab', { name: 'Write' }).click();
    await journey.shot('editor-write');
    await expectNoSidewaysScroll(page);

    // Autosave made a draft and moved the page to its edit URL.
    await page.waitForURL(/\/posts\/autosaved-at-\d+-px\/edit$/, { timeout: 20_000 });
    await expect.poll(() => saveState(page).textContent(), { timeout: 20_000 }).toBe('Saved');
    await page.reload();
    await editorContent(page).waitFor();
    expect(await page.getByLabel('Title', { exact: true }).inputValue()).toBe(title);
    expect(await editorContent(page).textContent()).toContain('Some words to keep.');
    expect(await page.locator('textarea[name="body"]').inputValue()).toContain('**strong**');
    expectNoProblems(journey);
  });
});

describe('autosave and the server', () => {
  it('autosaved text survives a server restart: the new process serves it from the database', async () => {
    const journey = await startJourney('editor-restart');
    const { page } = journey;
    await signIn(page, inject('credentials').author);
    await header(page).getByRole('link', { name: 'Dashboard' }).waitFor();
    await page.goto('/posts/new');
    await editorContent(page).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Written before a restart');
    await typeInEditor(page, 'These words were typed, autosaved, and then the server went away.');
    await page.waitForURL(/\/posts\/written-before-a-restart\/edit$/, { timeout: 20_000 });
    await expect.poll(() => saveState(page).textContent(), { timeout: 20_000 }).toBe('Saved');
    const editUrl = page.url();

    await restartServer();
    // The browser's own copy is gone too: what the page shows now can only come from the server.
    await page.evaluate(() => localStorage.clear());
    await page.goto(editUrl);
    await editorContent(page).waitFor();
    expect(await page.getByLabel('Title', { exact: true }).inputValue()).toBe('Written before a restart');
    expect(await page.locator('textarea[name="body"]').inputValue()).toContain('These words were typed, autosaved, and then the server went away.');
    expect(await editorContent(page).textContent()).toContain('then the server went away.');
    expectNoProblems(journey);
  });
});

describe('conflicts', () => {
  it('an edit over a newer version keeps both sides: autosave stops, and the 409 page shows theirs and yours', async () => {
    const journey = await startJourney('editor-conflict');
    const { page } = journey;
    await signIn(page, inject('credentials').author);
    await page.goto('/posts/new');
    await editorContent(page).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Two hands on one draft');
    await typeInEditor(page, 'The first paragraph.');
    await page.waitForURL(/\/posts\/two-hands-on-one-draft\/edit$/, { timeout: 20_000 });
    await expect.poll(() => saveState(page).textContent(), { timeout: 20_000 }).toBe('Saved');
    const editUrl = page.url();

    // An editor changes the same draft in another browser.
    const other = await startJourney('editor-conflict-editor');
    await signIn(other.page, inject('credentials').editor);
    await other.page.goto(editUrl);
    await editorContent(other.page).waitFor();
    await other.page.getByLabel('Excerpt').fill('The editor wrote this summary.');
    await typeInEditor(other.page, '\n\nThe editor added this.');
    await Promise.all([other.page.waitForURL(/\/edit$/), other.page.getByRole('button', { name: 'Save draft' }).click()]);
    await main(other.page).getByText('Draft saved.').waitFor();

    // The author keeps typing: autosave meets the newer version and stops, overwriting nothing.
    await typeInEditor(page, '\n\nThe author added this.');
    await expect.poll(() => saveState(page).textContent(), { timeout: 20_000 }).toBe('Not saved: edit conflict');
    await main(page).getByRole('alert').filter({ hasText: 'Someone else saved this post' }).waitFor();
    await journey.shot('autosave-conflict');
    await Promise.all([page.waitForResponse((res) => res.status() === 409), page.getByRole('button', { name: 'Save draft' }).click()]);
    await main(page).getByRole('heading', { name: 'Edit conflict' }).waitFor();
    expect(await page.locator('#theirs-body').inputValue()).toContain('The editor added this.');
    expect(await page.locator('#mine-body').inputValue()).toContain('The author added this.');
    await main(page).getByRole('group', { name: 'Excerpt' }).getByText('The editor wrote this summary.').waitFor();
    await journey.shot('conflict-page');
    await expectNoSidewaysScroll(page);

    // Merge by hand and save: both paragraphs are kept.
    await page.locator('#mine-body').fill('The first paragraph.\n\nThe editor added this.\n\nThe author added this.');
    await page.getByRole('group', { name: 'Excerpt' }).getByLabel(/Theirs/).check();
    await Promise.all([page.waitForURL(/\/edit$/), page.getByRole('button', { name: 'Save this version' }).click()]);
    await main(page).getByText('Draft saved.').waitFor();
    const body = await page.locator('textarea[name="body"]').inputValue();
    expect(body).toContain('The editor added this.');
    expect(body).toContain('The author added this.');
    expect(await page.getByLabel('Excerpt').inputValue()).toBe('The editor wrote this summary.');
    // The two refused saves (autosave and Save) are logged by the browser as failed requests: expected here.
    expect(journey.problems.filter((p) => !/status of 409 \(Conflict\)/.test(p))).toEqual([]);
    expectNoProblems(other);
  });
});

describe('leaving and pasting', () => {
  it('warns before leaving a published post with unsaved changes, and offers the kept text back', async () => {
    const journey = await startJourney('editor-leave');
    const { page } = journey;
    await signIn(page, inject('credentials').author);
    await page.goto('/dashboard');
    await main(page).getByRole('heading', { name: 'Published' }).waitFor();
    const published = main(page).locator('section[aria-labelledby="section-published"] a[href$="/edit"]').first();
    await Promise.all([page.waitForURL(/\/edit$/), published.click()]);
    await editorContent(page).waitFor();
    await typeInEditor(page, '\n\nA sentence that is not saved yet.');
    await expect.poll(() => saveState(page).textContent()).toMatch(/kept in this browser/);

    let warned = false;
    page.once('dialog', async (dialog) => {
      warned = dialog.type() === 'beforeunload';
      await dialog.dismiss();
    });
    await header(page).getByRole('link', { name: 'Dashboard' }).click();
    await expect.poll(() => warned).toBe(true);
    expect(page.url()).toMatch(/\/edit$/);
    await journey.shot('leave-warning-stayed');

    // Coming back later: the text kept in this browser is offered, not applied silently.
    page.once('dialog', (dialog) => dialog.accept());
    await page.reload();
    await editorContent(page).waitFor();
    expect(await editorContent(page).textContent()).not.toContain('A sentence that is not saved yet.');
    await main(page).getByRole('button', { name: 'Restore it' }).click();
    expect(await editorContent(page).textContent()).toContain('A sentence that is not saved yet.');
    await journey.shot('restored-local-copy');
    expectNoProblems(journey);
  });

  it('uploads a pasted image and inserts its Markdown at the cursor', async () => {
    const journey = await startJourney('editor-paste');
    const { page } = journey;
    await signIn(page, inject('credentials').author);
    await page.goto('/posts/new');
    await editorContent(page).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Pasted picture');
    await typeInEditor(page, 'Before the picture.\n');
    const png = await sharp({ create: { width: 800, height: 500, channels: 3, background: '#3d8bfd' } }).png().toBuffer();
    await editorContent(page).evaluate((el, bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, [...png]);
    await page.getByLabel(/^Alt text \(describe/).fill('A plain blue rectangle');
    await journey.shot('paste-alt');
    await page.getByRole('button', { name: 'Upload and insert' }).click();
    await expect.poll(() => page.locator('textarea[name="body"]').inputValue(), { timeout: 30_000 }).toMatch(/Before the picture\.\n\n!\[A plain blue rectangle\]\(\/uploads\/media\/[a-f0-9]{32}\/[^)]+\)\n/);
    await page.getByRole('region', { name: 'Preview' }).locator('img[alt="A plain blue rectangle"]').waitFor();
    await journey.shot('paste-inserted');
    expectNoProblems(journey);
  });
});

describe('the live preview', () => {
  it('shows exactly the HTML the published page shows, for a corpus with every sanitised construct', async () => {
    const journey = await startJourney('editor-corpus');
    const { page } = journey;
    await signIn(page, inject('credentials').author);
    await page.goto('/posts/new');
    await editorContent(page).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Preview corpus');
    await typeInEditor(page, MARKDOWN_CORPUS);
    const body = page.locator('textarea[name="body"]');
    await expect.poll(() => body.inputValue()).toContain('seven');
    // The preview answered for the body as it now stands (the last construct is there, nothing is pending).
    const preview = page.getByRole('region', { name: 'Preview' }).locator('.editor-preview');
    await preview.locator('li', { hasText: 'seven' }).waitFor();
    await expect.poll(() => preview.getAttribute('data-stale')).toBeNull();
    const typed = await body.inputValue();
    const previewHtml = await preview.innerHTML();
    // The sanitizer really worked on it: things were removed.
    expect(previewHtml).not.toContain('<script');
    expect(previewHtml).not.toContain('onerror');

    await page.getByRole('button', { name: 'Publish now' }).click();
    await page.waitForURL(/\/posts\/preview-corpus(-\d+)?\/edit$/);
    expect(await body.inputValue()).toBe(typed);
    const slug = /\/posts\/([^/]+)\/edit$/.exec(page.url())![1]!;
    await page.goto(`/posts/${slug}`);
    const published = await page.locator('article .post-body').innerHTML();
    expect(published.trim()).toBe(previewHtml.trim());
  });
});
