// Outgoing mail, below the domains (like src/site/): services hand it a plain message (to, subject, text,
// and the links it carries) and never learn how it travels. With SMTP_URL set, nodemailer sends it over
// SMTP; without it (development, tests), the outbox transport writes each message to DATA_DIR/outbox as
// an .eml file (the raw message, openable in any mail client) beside a .json summary, and logs its links,
// so a newcomer without a mail server can still follow a password-reset or invitation link. The outbox
// keeps the newest OUTBOX_KEEP messages and deletes older ones as new ones arrive, so a site left on it
// (a staging server, a forgotten SMTP_URL) does not fill its disk with mail nobody reads.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type Nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Logger } from '../logger.js';

// nodemailer (about 20 MB resident with what it loads) is loaded when the first message is sent, not
// at start: most processes send no mail for hours.
const require = createRequire(import.meta.url);
const nodemailer = (): typeof Nodemailer => require('nodemailer') as typeof Nodemailer;

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** The links the message carries (the outbox lists them; the log shows them in development). */
  links: string[];
}

export interface Mailer {
  /** Sends one message; rejects when the transport refuses it. */
  send(message: MailMessage): Promise<void>;
  /** `smtp` or `outbox`, for the admin pages and the log line at start. */
  readonly kind: 'smtp' | 'outbox';
}

export interface MailerOptions {
  smtpUrl: string | undefined;
  from: string;
  dataDir: string;
  logger: Logger;
  /** How many messages the outbox keeps (default OUTBOX_KEEP); older ones are deleted. */
  outboxKeep?: number;
}

/** Five times what /admin/outbox lists: enough to follow a week of a small site's mail. */
export const OUTBOX_KEEP = 500;

/** The outbox folder of a data directory. */
export function outboxDir(dataDir: string): string {
  return join(dataDir, 'outbox');
}

export function createMailer({ smtpUrl, from, dataDir, logger, outboxKeep = OUTBOX_KEEP }: MailerOptions): Mailer {
  if (smtpUrl) return new SmtpMailer(() => nodemailer().createTransport(smtpUrl), from);
  return new OutboxMailer(outboxDir(dataDir), from, logger, outboxKeep);
}

class SmtpMailer implements Mailer {
  readonly kind = 'smtp' as const;
  private transport: Transporter | undefined;
  constructor(
    private readonly makeTransport: () => Transporter,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    this.transport ??= this.makeTransport();
    await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }
}

/** What the outbox keeps beside each .eml, and what /admin/outbox lists. */
export interface OutboxSummary {
  id: string;
  to: string;
  subject: string;
  date: string;
  links: string[];
}

class OutboxMailer implements Mailer {
  readonly kind = 'outbox' as const;
  // nodemailer builds the same raw message it would send over SMTP, into a buffer.
  private transport: Transporter | undefined;

  constructor(
    private readonly dir: string,
    private readonly from: string,
    private readonly logger: Logger,
    private readonly keep: number,
  ) {}

  async send(message: MailMessage): Promise<void> {
    this.transport ??= nodemailer().createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    const info = await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
    const date = new Date();
    // Sortable by name (time first), unguessable by anyone who can list neither the folder nor the page.
    const id = `${date.toISOString().replace(/[-:.]/g, '')}-${randomBytes(6).toString('hex')}`;
    const summary: OutboxSummary = { id, to: message.to, subject: message.subject, date: date.toISOString(), links: message.links };
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // The message holds working links (a password reset): readable by this user only. The summary is
    // written last and renamed into place, so a listed message always has its .eml beside it.
    await writeFile(join(this.dir, `${id}.eml`), info.message as Buffer, { mode: 0o600 });
    await writeFile(join(this.dir, `${id}.json.tmp`), JSON.stringify(summary, null, 2), { mode: 0o600 });
    await rename(join(this.dir, `${id}.json.tmp`), join(this.dir, `${id}.json`));
    this.logger.info({ to: message.to, subject: message.subject, links: message.links, file: join(this.dir, `${id}.eml`) }, 'mail written to the outbox (no SMTP_URL)');
    await this.prune();
  }

  // Names start with the time, so the oldest sort first. The summary goes before its .eml, so a listed
  // message never loses its body; a message another process is still writing is newer than any pruned.
  private async prune(): Promise<void> {
    const names = await readdir(this.dir);
    const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length)).sort();
    for (const id of ids.slice(0, Math.max(0, ids.length - this.keep))) {
      await rm(join(this.dir, `${id}.json`), { force: true });
      await rm(join(this.dir, `${id}.eml`), { force: true });
    }
  }
}
