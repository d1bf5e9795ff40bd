// A reader comments on a published post and sees it awaiting review; visitors do not see it until the
// editor approves it: from the moderation queue (/admin/comments) on a desktop, inline on the post on a
// phone. The anonymous visitor's page is cached before the comment exists, so the approval must also
// let go of the cached post page.
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { expectNoProblems, expectNoSidewaysScroll, header, main, signIn, startJourney, useBrowser, WIDTHS } from './support/browser.js';

useBrowser();

const commentsSection = (page: Page) => main(page).getByRole('region', { name: /^Comments/ });
const commentItem = (page: Page, text: string) => commentsSection(page).getByRole('listitem').filter({ hasText: text });

describe.each(WIDTHS)('comments at %i px', (width) => {
  it('a reader comments, the editor approves, and only then visitors see it', async () => {
    const { reader: readerAccount, editor: editorAccount } = inject('credentials');
    const text = `Read this on a ${width} pixel screen; the list of checks helped. (${Date.now().toString(36)})`;

    // A visitor opens a published post (the newest seeded one that is not a test's own).
    const visitor = await startJourney(`comments-${width}-visitor`, { width });
    await visitor.page.goto('/');
    const firstSeeded = main(visitor.page).getByRole('article').filter({ hasNotText: /Field notes from a \d+ pixel screen/ }).first();
    const postLink = firstSeeded.getByRole('heading').getByRole('link');
    const postTitle = (await postLink.textContent())!.trim();
    await Promise.all([visitor.page.waitForURL(/\/posts\/[a-z0-9-]+$/), postLink.click()]);
    const postPath = new URL(visitor.page.url()).pathname;
    const headingBefore = (await commentsSection(visitor.page).getByRole('heading', { level: 2 }).textContent())!.trim();
    await commentsSection(visitor.page).getByRole('link', { name: 'Sign in to comment' }).waitFor();
    await visitor.shot('post-anonymous');

    // The reader follows "Sign in to comment" and comes back to the post.
    const journey = await startJourney(`comments-${width}-reader`, { width });
    const { page } = journey;
    await page.goto(postPath);
    await Promise.all([page.waitForURL('**/signin?next=**'), commentsSection(page).getByRole('link', { name: 'Sign in to comment' }).click()]);
    await page.getByLabel('Email or username').fill(readerAccount.username);
    await page.getByLabel('Password', { exact: true }).fill(readerAccount.password);
    await Promise.all([page.waitForURL((url) => url.pathname === postPath), main(page).getByRole('button', { name: 'Sign in' }).click()]);
    await commentsSection(page).getByRole('textbox', { name: 'Your comment' }).fill(text);
    await Promise.all([page.waitForURL((url) => url.pathname === postPath && url.hash.startsWith('#comment-')), commentsSection(page).getByRole('button', { name: 'Post comment' }).click()]);
    const own = commentItem(page, text);
    await own.getByText('Awaiting review', { exact: true }).waitFor();
    // The message about it is beside it, where the page scrolled to, not at the top.
    await own.getByRole('status').filter({ hasText: 'Your comment is awaiting review' }).waitFor();
    await own.getByText('Only you and the moderators can see this comment until it is approved.').waitFor();
    await expectNoSidewaysScroll(page);
    await journey.shot('comment-awaiting-review');

    await visitor.page.reload();
    expect(await commentItem(visitor.page, text).count()).toBe(0);
    expect((await commentsSection(visitor.page).getByRole('heading', { level: 2 }).textContent())?.trim()).toBe(headingBefore);

    // The editor approves it.
    const editor = await startJourney(`comments-${width}-editor`, { width });
    const mod = editor.page;
    await signIn(mod, editorAccount);
    const approve = { name: `Approve the comment by Sam Carter` };
    if (width >= 992) {
      await Promise.all([mod.waitForURL('**/admin'), header(mod).getByRole('link', { name: 'Admin' }).click()]);
      await Promise.all([mod.waitForURL('**/admin/comments'), mod.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Comments' }).click()]);
      const row = main(mod).getByRole('listitem').filter({ hasText: text });
      await row.getByRole('link', { name: postTitle }).waitFor();
      await expectNoSidewaysScroll(mod);
      await editor.shot('queue');
      await Promise.all([mod.waitForURL('**/admin/comments**'), row.getByRole('button', approve).click()]);
      await main(mod).getByRole('status').first().waitFor();
      expect(await main(mod).getByRole('listitem').filter({ hasText: text }).count()).toBe(0);
      await editor.shot('queue-after-approval');
    } else {
      await mod.goto(postPath);
      const pending = commentItem(mod, text);
      await pending.getByText('Awaiting review').waitFor();
      await expectNoSidewaysScroll(mod);
      await editor.shot('post-with-pending-comment');
      await Promise.all([mod.waitForURL((url) => url.pathname === postPath), pending.getByRole('button', approve).click()]);
      await commentItem(mod, text).waitFor();
      expect(await commentItem(mod, text).getByText('Awaiting review').count()).toBe(0);
      await editor.shot('post-after-approval');
    }

    // Now everyone sees it, and the reader's badge is gone.
    await visitor.page.reload();
    await commentItem(visitor.page, text).waitFor();
    expect((await commentsSection(visitor.page).getByRole('heading', { level: 2 }).textContent())?.trim()).not.toBe(headingBefore);
    await expectNoSidewaysScroll(visitor.page);
    await visitor.shot('post-with-approved-comment');
    await page.reload();
    await commentItem(page, text).waitFor();
    expect(await commentItem(page, text).getByText('Awaiting review').count()).toBe(0);

    expectNoProblems(visitor);
    expectNoProblems(journey);
    expectNoProblems(editor);
  });
});
