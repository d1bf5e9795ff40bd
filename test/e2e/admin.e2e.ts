// The admin promotes the demo reader to author (who then has a Dashboard) and suspends a newly signed-up
// user (whose next page is signed out), each person in a browser of their own. At the end the reader is
// made a reader again, so that other journeys find the demo accounts as the seed made them.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { expectNoProblems, expectNoSidewaysScroll, header, main, signIn, startJourney, useBrowser, WIDTHS } from './support/browser.js';

useBrowser();

/** The row of the users table that shows @username. */
const userRow = (page: Page, username: string) => main(page).getByRole('row').filter({ hasText: `@${username} ·` });

async function setRole(admin: Page, username: string, displayName: string, role: string): Promise<void> {
  const row = userRow(admin, username);
  await row.getByLabel(`Role of ${displayName}`).selectOption(role);
  await Promise.all([admin.waitForURL('**/admin/users**'), row.getByRole('button', { name: 'Save' }).click()]);
  await main(admin).getByRole('status').filter({ hasText: new RegExp(`${displayName}.* is now an? ${role}\\.`) }).waitFor();
  expect(await userRow(admin, username).getByLabel(`Role of ${displayName}`).inputValue()).toBe(role);
}

describe.each(WIDTHS)('an admin at %i px', (width) => {
  it('promotes the reader to author and suspends a new user, who is signed out at once', async () => {
    const { admin: adminAccount, reader: readerAccount } = inject('credentials');
    const newcomer = {
      username: `e2e_${width}_${randomBytes(3).toString('hex')}`,
      displayName: `Visitor ${width}`,
      password: `E2e ${randomBytes(9).toString('base64url')} quire!`,
    };

    // The demo reader, signed in on their own device.
    const reader = await startJourney(`admin-${width}-reader`, { width });
    await signIn(reader.page, readerAccount);
    await header(reader.page).getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await header(reader.page).getByRole('link', { name: 'Dashboard' }).count()).toBe(0);
    await reader.shot('reader-signed-in');

    // Someone new signs up.
    const visitor = await startJourney(`admin-${width}-newcomer`, { width });
    const signup = visitor.page;
    await signup.goto('/');
    await Promise.all([signup.waitForURL('**/signup'), header(signup).getByRole('link', { name: 'Sign up' }).click()]);
    await signup.getByLabel('Username').fill(newcomer.username);
    await signup.getByLabel('Email address').fill(`${newcomer.username}@example.com`);
    await signup.getByLabel('Display name').fill(newcomer.displayName);
    await signup.getByLabel('Password', { exact: true }).fill(newcomer.password);
    await expectNoSidewaysScroll(signup);
    await visitor.shot('signup');
    await Promise.all([signup.waitForURL((url) => url.pathname === '/'), main(signup).getByRole('button', { name: 'Create account' }).click()]);
    await header(signup).getByRole('link', { name: newcomer.displayName }).waitFor();
    await visitor.shot('signed-up');

    // The admin, elsewhere.
    const journey = await startJourney(`admin-${width}`, { width });
    const { page } = journey;
    await signIn(page, adminAccount);
    await Promise.all([page.waitForURL('**/admin'), header(page).getByRole('link', { name: 'Admin' }).click()]);
    await expectNoSidewaysScroll(page);
    await journey.shot('admin-dashboard');
    await Promise.all([page.waitForURL('**/admin/users'), page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Users' }).click()]);
    await userRow(page, newcomer.username).waitFor();
    await expectNoSidewaysScroll(page);
    await journey.shot('users');

    await setRole(page, readerAccount.username, 'Sam Carter', 'author');
    await journey.shot('reader-promoted');
    await reader.page.reload();
    await header(reader.page).getByRole('link', { name: 'Dashboard' }).waitFor();
    await Promise.all([reader.page.waitForURL('**/dashboard'), header(reader.page).getByRole('link', { name: 'Dashboard' }).click()]);
    await main(reader.page).getByRole('heading', { level: 1 }).waitFor();
    await expectNoSidewaysScroll(reader.page);
    await reader.shot('promoted-dashboard');

    const row = userRow(page, newcomer.username);
    // The page asks before suspending (data-confirm); the admin says yes.
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await Promise.all([page.waitForURL('**/admin/users**'), row.getByRole('button', { name: 'Suspend' }).click()]);
    expect(asked).toBe(`Suspend ${newcomer.displayName}? They will be signed out at once.`);
    await main(page).getByRole('status').filter({ hasText: 'is suspended and signed out everywhere.' }).waitFor();
    await userRow(page, newcomer.username).getByRole('button', { name: 'Reactivate' }).waitFor();
    expect(await userRow(page, newcomer.username).getByText('suspended', { exact: true }).count()).toBe(1);
    await expectNoSidewaysScroll(page);
    await journey.shot('newcomer-suspended');

    // The suspended user's next page: signed out, and the account page sends them to sign in.
    await signup.reload();
    await header(signup).getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await header(signup).getByRole('link', { name: newcomer.displayName }).count()).toBe(0);
    await signup.goto('/account');
    expect(new URL(signup.url()).pathname).toBe('/signin');
    expect(new URL(signup.url()).searchParams.get('next')).toBe('/account');
    await visitor.shot('signed-out');

    // Back as the seed made it: the demo reader is a reader again, without a Dashboard.
    await setRole(page, readerAccount.username, 'Sam Carter', 'reader');
    await reader.page.goto('/');
    await header(reader.page).getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await header(reader.page).getByRole('link', { name: 'Dashboard' }).count()).toBe(0);

    expectNoProblems(journey);
    expectNoProblems(reader);
    expectNoProblems(visitor);
  });
});
