// Mail sent in the background is tried again when the failure may pass (src/mail/deliver.ts): a relay's
// temporary refusal (4xx) or no relay at all. A permanent refusal (5xx) is not repeated, and a message is
// given up after the last try. A real SMTP server, started here, refuses as told.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { deliverInBackground } from '../../src/mail/deliver.js';
import { createMailer } from '../../src/mail/mailer.js';
import { testConfig } from '../support/app.js';
import { startSmtpServer } from '../support/mail.js';

const message = { to: 'reader@example.test', subject: 'Reset your password', text: 'http://quire.test/password/reset/abc\n', links: ['http://quire.test/password/reset/abc'] };
const DELAYS = [20, 20, 20];

/** A logger whose lines are kept, and a promise of the first line with `msg` starting with `prefix`. */
function recordingLogger() {
  const lines: Array<{ level: number; msg: string; tries?: number }> = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) }));
  const line = async (prefix: string) => {
    for (let i = 0; i < 200; i++) {
      const found = lines.find((l) => l.msg.startsWith(prefix));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no log line "${prefix}"`);
  };
  return { logger, lines, line };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function relay(refuse: (n: number) => number | null) {
  const smtp = await startSmtpServer({ refuse });
  closers.push(() => smtp.close());
  return { smtp, mailer: createMailer({ smtpUrl: smtp.url, from: 'q@quire.test', dataDir: testConfig().dataDir, logger: pino({ level: 'silent' }) }) };
}

describe('mail delivered in the background', () => {
  it('tries again after a temporary refusal, and the message arrives', async () => {
    const { smtp, mailer } = await relay((n) => (n <= 2 ? 451 : null));
    const { logger, lines } = recordingLogger();
    deliverInBackground(mailer, logger, DELAYS)(message);
    const mail = await smtp.nextFor('reader@example.test');
    expect(mail.links).toEqual(message.links);
    expect(smtp.recipients()).toBe(3);
    expect(lines.filter((l) => l.msg.startsWith('mail not sent yet')).map((l) => l.tries)).toEqual([1, 2]);
    expect(lines.some((l) => l.level >= 50)).toBe(false);
  });

  it('does not repeat a permanent refusal', async () => {
    const { smtp, mailer } = await relay(() => 550);
    const { logger, line } = recordingLogger();
    deliverInBackground(mailer, logger, DELAYS)(message);
    const error = await line('mail could not be sent');
    expect(error.level).toBe(50);
    expect(error.tries).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.recipients()).toBe(1);
  });

  it('gives up after the last try when the refusals go on', async () => {
    const { smtp, mailer } = await relay(() => 421);
    const { logger, lines, line } = recordingLogger();
    deliverInBackground(mailer, logger, DELAYS)(message);
    const error = await line('mail could not be sent');
    expect(error).toBeDefined();
    expect(smtp.recipients()).toBe(DELAYS.length + 1);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(DELAYS.length);
  });

  it('tries again when the server cannot be reached at all', async () => {
    const gone = await startSmtpServer();
    await gone.close();
    const mailer = createMailer({ smtpUrl: gone.url, from: 'q@quire.test', dataDir: testConfig().dataDir, logger: pino({ level: 'silent' }) });
    const { logger, lines, line } = recordingLogger();
    deliverInBackground(mailer, logger, [10])(message);
    const error = await line('mail could not be sent');
    expect(error.tries).toBe(2);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
  });
});
