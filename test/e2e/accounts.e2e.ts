// A newcomer's accounts journey, each person in a browser of their own: the admin invites them (the
// server has no SMTP_URL, so the link is read from /admin/outbox, as a newcomer's admin would); they
// accept and land on their dashboard; later they forget their password and reset it through the outbox
// link; then they turn on two-factor sign-in and sign in with a code from the authenticator (computed here
// from the key the page shows, as the app would).
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { expectImageLoaded, expectNoProblems, expectNoSidewaysScroll, header, main, signIn, startJourney, useBrowser, WIDTHS } from './support/browser.js';

useBrowser();

/** The newest outbox link for this address and path, as the admin sees it. */
async function outboxLink(admin: Page, email: string, path: string): Promise<string> {
  await admin.goto('/admin/outbox');
  const row = main(admin).getByRole('row').filter({ hasText: email }).first();
  const href = await row.getByRole('link').filter({ hasText: path }).first().getAttribute('href');
  expect(href).toContain(path);
  return href!;
}

describe.each(WIDTHS)('a newcomer at %i px', (width) => {
  it('is invited, resets a forgotten password from the outbox link, and signs in with two-factor', async () => {
    const { admin: adminAccount } = inject('credentials');
    const tag = `${width}${randomBytes(3).toString('hex')}`;
    const newcomer = { username: `e2e_inv_${tag}`, email: `e2e_inv_${tag}@example.com`, displayName: `Invitee ${tag}` };
    const firstPassword = `E2e ${randomBytes(9).toString('base64url')} first!`;
    const secondPassword = `E2e ${randomBytes(9).toString('base64url')} second!`;

    // The admin invites them as an author.
    const adminJourney = await startJourney(`accounts-${width}-admin`, { width });
    const admin = adminJourney.page;
    await signIn(admin, adminAccount);
    await admin.goto('/admin/invitations');
    await main(admin).getByLabel('Email address').fill(newcomer.email);
    await main(admin).getByLabel('Role').selectOption('author');
    await Promise.all([admin.waitForURL('**/admin/invitations'), main(admin).getByRole('button', { name: 'Send invitation' }).click()]);
    await main(admin).getByRole('status').filter({ hasText: `on its way to ${newcomer.email}` }).waitFor();
    await expectNoSidewaysScroll(admin);
    await adminJourney.shot('invited');
    const invite = await outboxLink(admin, newcomer.email, '/invite/');
    await adminJourney.shot('outbox');

    // The newcomer accepts.
    const journey = await startJourney(`accounts-${width}-newcomer`, { width });
    const page = journey.page;
    await page.goto(invite);
    await main(page).getByText(newcomer.email).first().waitFor();
    await page.getByLabel('Username').fill(newcomer.username);
    await page.getByLabel('Display name').fill(newcomer.displayName);
    await page.getByLabel('Password', { exact: true }).fill(firstPassword);
    await expectNoSidewaysScroll(page);
    await journey.shot('invitation');
    await Promise.all([page.waitForURL('**/dashboard'), main(page).getByRole('button', { name: 'Create my account' }).click()]);
    await header(page).getByRole('link', { name: newcomer.displayName }).waitFor();
    await journey.shot('accepted');

    // Signed out, the password forgotten: a reset link through the outbox.
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), header(page).getByRole('button', { name: 'Sign out' }).click()]);
    await page.goto('/signin');
    await Promise.all([page.waitForURL('**/password/forgot'), main(page).getByRole('link', { name: 'Forgot your password?' }).click()]);
    await page.getByLabel('Email address').fill(newcomer.email);
    await Promise.all([page.waitForURL('**/password/forgot'), main(page).getByRole('button', { name: 'Send me a link' }).click()]);
    await main(page).getByRole('status').filter({ hasText: 'If an account uses that address' }).waitFor();
    await journey.shot('reset-requested');
    const reset = await outboxLink(admin, newcomer.email, '/password/reset/');
    await page.goto(reset);
    await page.getByLabel('New password', { exact: true }).fill(secondPassword);
    await expectNoSidewaysScroll(page);
    await journey.shot('reset-form');
    await Promise.all([page.waitForURL('**/signin'), main(page).getByRole('button', { name: 'Set the new password' }).click()]);
    await main(page).getByRole('status').filter({ hasText: 'Your new password is set' }).waitFor();
    await signIn(page, { username: newcomer.username, password: secondPassword } as never);
    await header(page).getByRole('link', { name: newcomer.displayName }).waitFor();

    // Two-factor sign-in: enrol with the key the page shows.
    await page.goto('/account');
    await Promise.all([page.waitForURL('**/account/2fa'), main(page).getByRole('link', { name: 'Turn on two-factor sign-in' }).click()]);
    // The QR code is a data: image, which the Content-Security-Policy allows: it loads.
    await expectImageLoaded(main(page).getByRole('img', { name: /QR code/ }));
    const key = (await page.locator('#totp-secret').innerText()).trim();
    const codeIn = (steps: number) => TOTP.generate({ secret: Secret.fromBase32(key), timestamp: Date.now() + steps * 30_000 });
    await page.getByLabel('Code from the app').fill(codeIn(0));
    await page.getByLabel('Your password').fill(secondPassword);
    await expectNoSidewaysScroll(page);
    await journey.shot('enrol');
    await main(page).getByRole('button', { name: 'Turn two-factor sign-in on' }).click();
    await main(page).getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    expect(await main(page).locator('code.recovery-code').count()).toBe(10);
    await journey.shot('recovery-codes');

    // Signing in now takes the password, then a code.
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), header(page).getByRole('button', { name: 'Sign out' }).click()]);
    await page.goto('/signin');
    await page.getByLabel('Email or username').fill(newcomer.username);
    await page.getByLabel('Password', { exact: true }).fill(secondPassword);
    await Promise.all([page.waitForURL('**/signin/2fa'), main(page).getByRole('button', { name: 'Sign in' }).click()]);
    await page.getByLabel('Code', { exact: true }).fill(codeIn(1));
    await journey.shot('second-step');
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), main(page).getByRole('button', { name: 'Verify and sign in' }).click()]);
    await header(page).getByRole('link', { name: newcomer.displayName }).waitFor();
    await journey.shot('signed-in-with-2fa');

    // The invitation reads as accepted.
    await admin.goto('/admin/invitations');
    expect(await main(admin).getByRole('row').filter({ hasText: newcomer.email }).first().getByText('accepted').count()).toBe(1);

    expectNoProblems(adminJourney);
    expectNoProblems(journey);
  });
});
