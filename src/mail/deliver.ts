// Mail sent after the answer: a page that says "check your inbox" must not wait for (or reveal, by its
// timing) the SMTP conversation. A failure is logged with the recipient, never thrown at a request that
// has already been answered.
//
// A failure that may pass is tried again: a refusal the server calls temporary (an SMTP 4xx reply: a
// greylisting relay, a full queue, a rate limit) or a server that could not be reached at all. Three more
// tries, after 30 s, 2 min and 10 min; a refusal the server calls permanent (5xx: no such mailbox, a
// rejected sender) is not repeated. Waiting messages live in this process's memory only: they carry
// working links (a password reset), which Quire never stores in the database unhashed, so a restart drops
// them (the person asks again, as after any lost mail). At most MAX_WAITING wait at once; beyond that a
// failed message is dropped at once, so an SMTP server down for hours cannot fill memory.
import type { Logger } from '../logger.js';
import type { Mailer, MailMessage } from './mailer.js';

export type Deliver = (message: MailMessage) => void;

/** The waits before each new try of a message that failed for a reason that may pass. */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000];
/** Messages waiting for another try, at most, per deliverer. */
export const MAX_WAITING = 1_000;

/** nodemailer's errors carry the SMTP reply code when the server answered; none when it could not be reached. */
function isPermanent(err: unknown): boolean {
  const code = (err as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500;
}

export function deliverInBackground(mailer: Mailer, logger: Logger, retryDelaysMs: readonly number[] = RETRY_DELAYS_MS): Deliver {
  let waiting = 0;
  const attempt = (message: MailMessage, tries: number): void => {
    mailer.send(message).catch((err: unknown) => {
      const about = { err, to: message.to, subject: message.subject, tries: tries + 1 };
      const delay = retryDelaysMs[tries];
      if (isPermanent(err) || delay === undefined) return logger.error(about, 'mail could not be sent');
      if (waiting >= MAX_WAITING) return logger.error(about, `mail could not be sent, and ${MAX_WAITING} messages already wait for another try: not tried again`);
      logger.warn({ ...about, retryInMs: delay }, 'mail not sent yet; trying again later');
      waiting++;
      // Unref'd: a waiting message does not keep a stopping process alive.
      setTimeout(() => {
        waiting--;
        attempt(message, tries + 1);
      }, delay).unref();
    });
  };
  return (message) => attempt(message, 0);
}
