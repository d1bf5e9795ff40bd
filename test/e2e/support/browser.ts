// Debian's Chromium driven by playwright-core (no browser download). Each journey gets a fresh context;
// console errors, page errors, failed requests and 5xx answers of every page in it are collected and must
// be empty; screenshots go to test-results/e2e/<journey>/, and a failing journey also keeps each open
// page's screenshot and HTML there, with the problems seen.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, onTestFinished } from 'vitest';
import type { DemoAccount } from './credentials.js';
import { RESULTS_DIR } from './results.js';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The widths every journey runs at: a desktop and a small phone. */
export const WIDTHS = [1280, 375] as const;

// The machine is shared and slow at times: generous, but bounded.
const ACTION_TIMEOUT_MS = 30_000;
const NAVIGATION_TIMEOUT_MS = 45_000;

export interface Journey {
  page: Page;
  context: BrowserContext;
  baseUrl: string;
  /** Saves a full-page screenshot of `page` (default: the journey's page) as NN-label.png. */
  shot(label: string, page?: Page): Promise<string>;
  /** Console errors, page errors, failed requests and 5xx answers seen so far, on any page of the context. */
  readonly problems: string[];
}

let browser: Browser | undefined;

export function useBrowser(): void {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
}

/**
 * A fresh browser context (its own cookies) with one page, watched for problems. Call it inside a test:
 * the context is closed when the test ends, after a failure's evidence is saved.
 */
export async function startJourney(name: string, options: { width?: number; height?: number; timezoneId?: string } = {}): Promise<Journey> {
  if (!browser) throw new Error('call useBrowser() in the file first');
  const dir = join(RESULTS_DIR, name);
  mkdirSync(dir, { recursive: true });
  const baseUrl = inject('baseUrl');
  const width = options.width ?? 1280;
  const context = await browser.newContext({
    viewport: { width, height: options.height ?? (width < 600 ? 740 : 900) },
    baseURL: baseUrl,
    // The browser's own zone (what Intl reports to the page), for journeys about time zones.
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  const problems: string[] = [];
  context.on('console', (msg) => {
    const where = msg.location().url;
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}${where ? ` (${where})` : ''}`);
  });
  context.on('weberror', (err) => problems.push(`page error: ${err.error().message}`));
  context.on('response', (res) => {
    if (res.status() >= 500) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  // Leaving a page cancels what it was still loading (net::ERR_ABORTED): the browser's doing, not the
  // page's. Such a cancelled request counts only if its page is still showing the document that asked.
  const documents = new WeakMap<Page, number>();
  context.on('page', (p) => {
    documents.set(p, 0);
    p.on('framenavigated', (frame) => {
      if (frame === p.mainFrame()) documents.set(p, (documents.get(p) ?? 0) + 1);
    });
  });
  const askedBy = new WeakMap<Request, { page: Page | null; document: number }>();
  const cancelled: Array<{ page: Page | null; document: number; text: string }> = [];
  context.on('request', (req) => {
    if (req.isNavigationRequest()) return; // a popup's first request comes before its frame
    const owner = req.frame().page();
    askedBy.set(req, { page: owner, document: owner ? (documents.get(owner) ?? 0) : 0 });
  });
  context.on('requestfailed', (req) => {
    const reason = req.failure()?.errorText ?? '';
    const text = `request failed: ${req.method()} ${req.url()} ${reason}`;
    const asker = askedBy.get(req);
    if (reason === 'net::ERR_ABORTED' && asker) cancelled.push({ ...asker, text });
    else problems.push(text);
  });
  // (A closed page, such as the preview tab, cannot show anything any more: what it cancelled is excused.)
  const stillShowing = (c: { page: Page | null; document: number }) => c.page !== null && !c.page.isClosed() && documents.get(c.page) === c.document;
  const page = await context.newPage();

  let count = 0;
  const journey: Journey = {
    page,
    context,
    baseUrl,
    get problems() {
      return [...problems, ...cancelled.filter(stillShowing).map((c) => c.text)];
    },
    async shot(label: string, target: Page = page) {
      count++;
      const file = join(dir, `${String(count).padStart(2, '0')}-${label}.png`);
      await target.screenshot({ path: file, fullPage: true });
      return file;
    },
  };

  onTestFinished(async ({ task }) => {
    if (task.result?.state === 'fail') await keepEvidence(context, dir, journey.problems);
    await context.close();
  });
  return journey;
}

async function keepEvidence(context: BrowserContext, dir: string, problems: string[]): Promise<void> {
  writeFileSync(join(dir, 'failure-problems.txt'), `${problems.join('\n')}\n`);
  const pages = context.pages();
  for (const [i, open] of pages.entries()) {
    const suffix = i === 0 ? '' : `-${i + 1}`;
    try {
      await open.screenshot({ path: join(dir, `failure${suffix}.png`), fullPage: true, timeout: 15_000 });
      writeFileSync(join(dir, `failure${suffix}.html`), `<!-- ${open.url()} -->\n${await open.content()}`);
    } catch {
      // the page may be gone or stuck; the assertion message still explains the failure
    }
  }
}

/** Signs in through the form at /signin and waits to leave it. */
export async function signIn(page: Page, account: DemoAccount, next?: string): Promise<void> {
  await page.goto(next ? `/signin?next=${encodeURIComponent(next)}` : '/signin');
  await page.getByLabel('Email or username').fill(account.username);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  const [answer] = await Promise.all([
    page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === '/signin'),
    page.getByRole('main').getByRole('button', { name: 'Sign in' }).click(),
  ]);
  // A refusal re-renders the form: say why now rather than time out waiting to leave it.
  if (answer.status() !== 303) {
    await page.waitForLoadState();
    throw new Error(`signing in as ${account.username} answered ${answer.status()}: ${(await main(page).innerText()).slice(0, 300)}`);
  }
  await page.waitForURL((url) => url.pathname !== '/signin');
}

/** The main landmark of the page (header and footer links are outside it). */
export const main = (page: Page) => page.getByRole('main');

/** The header's navigation. */
export const header = (page: Page) => page.getByRole('banner');

// The project compiles without the DOM library (it is a server); code run in the page sees these shapes.
interface PageElement {
  tagName: string;
  scrollWidth: number;
  clientWidth: number;
  id: string;
  className: string;
  getBoundingClientRect(): { right: number };
}
interface PageWindow {
  innerWidth: number;
  document: { documentElement: { scrollWidth: number }; querySelectorAll(selector: string): Iterable<PageElement> };
}
interface ImageElement {
  complete: boolean;
  naturalWidth: number;
}

/**
 * The page fits the viewport: nothing sticks out sideways (on a phone that means a sideways scroll), and no
 * table hides part of itself in a sideways-scrolling box (Bootstrap's .table-responsive), where the
 * actions in its last column would be out of sight.
 */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const found = await page.evaluate(() => {
    const { innerWidth: width, document } = globalThis as unknown as PageWindow;
    const describe = (el: PageElement) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).trim().split(/\s+/).join('.')}` : ''}`;
    const scrollWidth = document.documentElement.scrollWidth;
    // Only worth naming when something is wrong: the first elements that reach past the right edge.
    const culprits =
      scrollWidth > width
        ? Array.from(document.querySelectorAll('body *'))
            .filter((el) => el.getBoundingClientRect().right > width + 1)
            .slice(0, 5)
            .map(describe)
        : [];
    const clipped = Array.from(document.querySelectorAll('.table-responsive'))
      .filter((box) => box.scrollWidth > box.clientWidth)
      .map((box) => `${describe(box)} (${box.scrollWidth} px of content in ${box.clientWidth} px)`);
    return { scrollWidth, width, culprits, clipped };
  });
  expect(found.scrollWidth, `${page.url()} is wider than the screen; sticking out: ${found.culprits.join(', ')}`).toBeLessThanOrEqual(found.width);
  expect(found.clipped, `${page.url()} has tables that scroll sideways at ${found.width} px`).toEqual([]);
}

/** The (first) image is scrolled into view, loaded and decoded: it has a width. */
export async function expectImageLoaded(image: Locator): Promise<void> {
  const img = image.first();
  await img.scrollIntoViewIfNeeded();
  await img.evaluate((el) => {
    const image = el as unknown as ImageElement & { decode(): Promise<void> };
    return image.complete ? undefined : image.decode().catch(() => undefined);
  });
  const naturalWidth = await img.evaluate((el) => (el as unknown as ImageElement).naturalWidth);
  expect(naturalWidth, `${String(img)} on ${img.page().url()} did not load`).toBeGreaterThan(0);
}

export function expectNoProblems(journey: Journey): void {
  expect(journey.problems, 'console errors, failed requests or 5xx answers').toEqual([]);
}

/**
 * Stops the server process and starts a new one on the same database and port (global-setup.ts), and
 * waits until it answers /healthz: what a deploy or a crash does to the people writing at that moment.
 */
export async function restartServer(): Promise<void> {
  const res = await fetch(inject('serverControl'), { method: 'POST' });
  if (!res.ok) throw new Error(`the server did not restart: ${res.status} ${await res.text()}`);
}
