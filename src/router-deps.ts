// What every router may use, built once per app by createApp (app.ts). A module of its own, so that
// routers depend on this list and not on the app that mounts them.
import type { Keys } from './auth/keys.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Mailer } from './mail/mailer.js';
import type { Storage } from './media/storage.js';

/** What every router may use, built once per app. */
export interface RouterDeps {
  config: Config;
  logger: Logger;
  keys: Keys;
  storage: Storage;
  mailer: Mailer;
}
