// A real SMTP server (the smtp-server package) started inside a test, on 127.0.0.1 and a free port, that
// keeps what it receives: Quire's mailer talks SMTP to it exactly as it would to a production relay.
// Also the links a message carries, read from its text (quoted-printable decoded).
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  /** The text body, decoded. */
  text: string;
  links: string[];
}

export interface TestSmtp {
  url: string;
  received: ReceivedMail[];
  /** Resolves with the next message to arrive for this address (or the first already received and not yet taken). */
  nextFor(address: string): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export interface SmtpOptions {
  /**
   * The SMTP reply code to refuse the nth recipient with (n from 1), or null to accept it: a relay that
   * is greylisting (451) or has no such mailbox (550).
   */
  refuse?: (n: number) => number | null;
}

export async function startSmtpServer({ refuse }: SmtpOptions = {}): Promise<TestSmtp & { recipients: () => number }> {
  const received: ReceivedMail[] = [];
  let recipients = 0;
  const taken = new Set<ReceivedMail>();
  const waiters: Array<{ address: string; resolve: (m: ReceivedMail) => void }> = [];
  const server = new SMTPServer({
    // Plain SMTP on loopback: no TLS certificate to make, no account to log in with.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onRcptTo(_address, _session, callback) {
      const code = refuse?.(++recipients) ?? null;
      if (code === null) return callback();
      callback(Object.assign(new Error(code >= 500 ? 'No such mailbox here' : 'Try again later'), { responseCode: code }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail = parseMail(
          Buffer.concat(chunks).toString('utf8'),
          session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          session.envelope.rcptTo.map((r) => r.address),
        );
        received.push(mail);
        const waiter = waiters.findIndex((w) => mail.to.includes(w.address));
        if (waiter >= 0) {
          taken.add(mail);
          waiters.splice(waiter, 1)[0]!.resolve(mail);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    recipients: () => recipients,
    nextFor(address) {
      const waiting = received.find((m) => !taken.has(m) && m.to.includes(address));
      if (waiting) {
        taken.add(waiting);
        return Promise.resolve(waiting);
      }
      return new Promise((resolve) => waiters.push({ address, resolve }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  const text = /quoted-printable/i.test(header('Content-Transfer-Encoding')) ? decodeQuotedPrintable(body) : body;
  return { from, to, raw, subject: header('Subject'), text, links: linksIn(text) };
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Every http(s) address in a text. */
export function linksIn(text: string): string[] {
  return text.match(/https?:\/\/[^\s<>"]+/g) ?? [];
}

/** The path (and query) of a link, for supertest. */
export function pathOf(link: string): string {
  const url = new URL(link);
  return url.pathname + url.search;
}
