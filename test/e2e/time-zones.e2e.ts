// Scheduling in the author's own zone, in a browser whose zone is America/New_York: the account page
// offers the browser's zone (time-zone.js), the editor reads the typed wall time in it and says so, the
// post is stored at the right UTC instant, and readers see it on the home page from that instant on, not
// before (nothing runs at that moment: a post whose publishedAt has passed is simply public).
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectNoProblems, main, signIn, startJourney, useBrowser } from './support/browser.js';

useBrowser();

const ZONE = 'America/New_York';

/** "2026-11-30T04:45", the wall time in ZONE at an instant (Swedish dates are ISO-shaped). */
function wallTimeIn(date: Date): string {
  const text = new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
  return text.replace(' ', 'T');
}

/** "UTC-05:00" in winter, "UTC-04:00" in summer. */
function offsetIn(date: Date): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, timeZoneName: 'longOffset' }).formatToParts(date).find((p) => p.type === 'timeZoneName')!.value;
  return name === 'GMT' ? 'UTC+00:00' : name.replace('GMT', 'UTC');
}

/** The home page as an anonymous reader gets it (no cookies: what the page cache serves everyone). */
async function homeHtml(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/`);
  expect(res.status).toBe(200);
  return res.text();
}

const editorContent = (page: Page) => page.locator('.editor-cm .cm-content');

describe('time zones', () => {
  it('an author in New York schedules a post in New York time; it is stored in UTC and appears at that instant', async () => {
    const journey = await startJourney('time-zones', { timezoneId: ZONE });
    const { page, baseUrl } = journey;
    await signIn(page, inject('credentials').author);

    // The account page preselects the browser's zone (the author has none yet) and says so.
    await page.goto('/account');
    const select = page.getByLabel('Your time zone');
    await expect.poll(() => select.inputValue()).toBe(ZONE);
    await page.getByText("Your browser's zone is selected: save to use it.").waitFor();
    await page.getByRole('button', { name: 'Save time zone' }).click();
    await page.getByText(`Times are now shown in ${ZONE}.`).waitFor();

    // A new post, saved as a draft by autosave first (so the page is not moved while the schedule is typed).
    const title = `New York minute ${Date.now()}`;
    await page.goto('/posts/new');
    await editorContent(page).waitFor();
    await page.getByLabel('Title', { exact: true }).fill(title);
    await editorContent(page).click();
    await page.keyboard.insertText('Out at the top of the minute, New York time.');
    await page.waitForURL(/\/posts\/new-york-minute-\d+\/edit$/, { timeout: 20_000 });
    await expect.poll(() => page.locator('.editor-save-state').textContent(), { timeout: 20_000 }).toBe('Saved');

    // One to two minutes ahead, on a whole minute (a datetime-local field has minutes, no seconds).
    const at = new Date(Math.ceil((Date.now() + 60_000) / 60_000) * 60_000);
    await page.getByText(`Publish later (${ZONE}, ${offsetIn(new Date())})`).waitFor();
    await page.getByLabel(/^Publish later/).fill(wallTimeIn(at));
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByText('Saved. It will be published at the scheduled time.').waitFor();

    // Stored at the UTC instant that New York wall time names, and shown back in New York time.
    const scheduled = main(page).locator('p', { hasText: 'Scheduled for' }).locator('time');
    expect(await scheduled.getAttribute('datetime')).toBe(at.toISOString());
    expect(await scheduled.textContent()).toContain(`(${ZONE})`);
    expect(await page.getByLabel(/^Publish later/).inputValue()).toBe(wallTimeIn(at));
    await journey.shot('scheduled');

    // Readers do not see it before that instant, and do from then on (bounded wait).
    expect(Date.now()).toBeLessThan(at.getTime());
    expect(await homeHtml(baseUrl)).not.toContain(title);
    // Every answer that came back before the instant was rendered before it: none may show the post.
    for (;;) {
      const html = await homeHtml(baseUrl);
      const answeredAt = Date.now();
      if (html.includes(title)) {
        expect(answeredAt, 'the post was on the home page before its time').toBeGreaterThanOrEqual(at.getTime());
        break;
      }
      expect(answeredAt, 'the post never appeared on the home page').toBeLessThan(at.getTime() + 60_000);
      await new Promise((r) => setTimeout(r, 2_000));
    }
    expectNoProblems(journey);
  }, 240_000);

  it('a user without a zone schedules in the browser’s zone (Asia/Tokyo), which the editor names', async () => {
    const journey = await startJourney('time-zones-browser', { timezoneId: 'Asia/Tokyo' });
    const { page } = journey;
    // The seeded editor has not chosen a zone: the server would use UTC; the editor's script uses Tokyo's.
    await signIn(page, inject('credentials').editor);
    await page.goto('/posts/new');
    await editorContent(page).waitFor();
    await page.getByText('Publish later (Asia/Tokyo, UTC+09:00)').waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Tokyo evening post');
    await editorContent(page).click();
    await page.keyboard.insertText('Scheduled from a browser in Tokyo.');
    await page.waitForURL(/\/posts\/tokyo-evening-post\/edit$/, { timeout: 20_000 });
    await expect.poll(() => page.locator('.editor-save-state').textContent(), { timeout: 20_000 }).toBe('Saved');

    await page.getByLabel(/^Publish later/).fill('2030-01-15T18:00');
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByText('Saved. It will be published at the scheduled time.').waitFor();
    // 18:00 in Tokyo (UTC+09:00) is 09:00 UTC; the server shows UTC (the user has no zone), the field Tokyo time.
    const scheduled = main(page).locator('p', { hasText: 'Scheduled for' }).locator('time');
    expect(await scheduled.getAttribute('datetime')).toBe('2030-01-15T09:00:00.000Z');
    expect(await scheduled.textContent()).toBe('Jan 15, 2030, 09:00 (UTC)');
    expect(await page.getByLabel(/^Publish later/).inputValue()).toBe('2030-01-15T18:00');
    await journey.shot('scheduled-browser-zone');
    expectNoProblems(journey);
  });
});
