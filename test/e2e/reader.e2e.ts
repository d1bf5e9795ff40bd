// An anonymous reader browses the home page, pages back, searches from the header, reads a post, and
// follows its tag and its author.
import { describe, expect, it } from 'vitest';
import { expectImageLoaded, expectNoProblems, expectNoSidewaysScroll, header, main, startJourney, useBrowser, WIDTHS } from './support/browser.js';

useBrowser();

/** The longest word of a title: specific enough that the search finds posts about it. */
function searchWordOf(title: string): string {
  const words = title.split(/[^A-Za-z]+/).filter((w) => w.length >= 4);
  return words.reduce((a, b) => (b.length > a.length ? b : a), '').toLowerCase();
}

describe.each(WIDTHS)('a reader at %i px', (width) => {
  it('browses, paginates, searches, reads a post and follows its tag and author', async () => {
    const journey = await startJourney(`reader-${width}`, { width });
    const { page } = journey;
    const cards = main(page).getByRole('article');

    await page.goto('/');
    expect(await cards.count()).toBe(10);
    await expectNoSidewaysScroll(page);
    await journey.shot('home');

    await Promise.all([page.waitForURL(/\/\?page=2$/), main(page).getByRole('link', { name: /Older posts/ }).click()]);
    expect(await main(page).getByRole('heading', { level: 1 }).textContent()).toMatch(/page 2 of \d+/);
    expect(await cards.count()).toBe(10);
    await expectNoSidewaysScroll(page);
    await journey.shot('home-page-2');

    // A post with a cover from page 2, and a word of its title to search for.
    const withCover = cards.filter({ has: page.locator('img.cover') }).first();
    const title = (await withCover.getByRole('heading').textContent())!.trim();
    const word = searchWordOf(title);
    expect(word.length).toBeGreaterThanOrEqual(4);

    const search = header(page).getByRole('searchbox', { name: 'Search posts' });
    await search.fill(word);
    await Promise.all([page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === word), search.press('Enter')]);
    expect(await main(page).getByRole('heading', { level: 1 }).textContent()).toBe('Search results');
    await expectNoSidewaysScroll(page);
    await journey.shot('search');
    // Results come newest first; a common word may need a page or two of them.
    const hit = cards.getByRole('heading').getByRole('link', { name: title, exact: true });
    for (let pages = 1; (await hit.count()) === 0; pages++) {
      expect(pages, `"${title}" among the results for "${word}"`).toBeLessThan(8);
      await Promise.all([page.waitForURL(/[?&]after=/), main(page).getByRole('link', { name: /Older results/ }).click()]);
    }

    await Promise.all([page.waitForURL(/\/posts\/[a-z0-9-]+$/), hit.click()]);
    const article = main(page).getByRole('article');
    expect((await article.getByRole('heading', { level: 1 }).textContent())?.trim()).toBe(title);
    await article.locator('.post-body').waitFor();
    expect((await article.locator('.post-body').innerText()).length).toBeGreaterThan(200);
    await expectImageLoaded(article.locator('.post-cover img'));
    await expectNoSidewaysScroll(page);
    const postUrl = page.url();
    await journey.shot('post');

    const tagLink = article.getByRole('list', { name: 'Tags' }).getByRole('link').first();
    const tagName = (await tagLink.textContent())!.trim();
    await Promise.all([page.waitForURL(/\/tags\/[a-z0-9-]+$/), tagLink.click()]);
    expect((await main(page).getByRole('heading', { level: 1 }).textContent())?.trim()).toBe(tagName);
    expect(await cards.count()).toBeGreaterThan(0);
    await expectNoSidewaysScroll(page);
    await journey.shot('tag');

    await page.goto(postUrl);
    const authorLink = main(page).getByRole('article').locator('.post-byline').getByRole('link').first();
    const authorName = (await authorLink.textContent())!.trim();
    await Promise.all([page.waitForURL(/\/authors\/[a-z0-9_-]+$/i), authorLink.click()]);
    expect((await main(page).getByRole('heading', { level: 1 }).textContent())?.trim()).toBe(authorName);
    expect(await cards.count()).toBeGreaterThan(0);
    await expectNoSidewaysScroll(page);
    await journey.shot('author');

    expectNoProblems(journey);
  });
});
