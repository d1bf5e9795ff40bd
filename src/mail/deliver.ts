// Mail sent after the answer: a page that says "check your inbox" must not wait for (or reveal, by its
// timing) the SMTP conversation. A failure is logged with the recipient, never thrown at a request that
// has already been answered.
import type { Logger } from '../logger.js';
import type { Mailer, MailMessage } from './mailer.js';

export type Deliver = (message: MailMessage) => void;

export function deliverInBackground(mailer: Mailer, logger: Logger): Deliver {
  return (message) => {
    mailer.send(message).catch((err: unknown) => {
      logger.error({ err, to: message.to, subject: message.subject }, 'mail could not be sent');
    });
  };
}
