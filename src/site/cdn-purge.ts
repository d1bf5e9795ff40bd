// Telling the CDN what changed, sent to each configured target: a hook of your own (CDN_PURGE_URL, POST
// {"keys": [...]} with the secret in a header) and/or Cloudflare's purge by Cache-Tag (CLOUDFLARE_ZONE_ID +
// CLOUDFLARE_API_TOKEN). Which keys: a write that knows exactly which pages it changed declares their
// surrogate keys (purgeKeys: the posts service, from the post before and after); every other change this
// process announces on the change bus (src/db/changes.ts) purges `site`, everything, except post writes
// that named their posts (the service declares those) and tag bookkeeping (tags show through posts).
//
// Never in the request's way: keys are gathered and sent after the write's request has moved on (changes
// made within the same turn of the event loop go out as one purge), each target on its own, retried with
// growing delays, and every purge and failure is logged. Changes made by other Quire processes arrive as
// `remote` and are not purged again: the process that made a change purges it. A command-line tool (seed,
// import) purges `site` once when it is done (purgeOnceWhenDone), not once per post it wrote.
// Limits: purges in flight when the process stops are lost (the CDN then holds pages until s-maxage).
import type { CdnConfig } from '../config.js';
import { SITE_KEY } from '../http/cdn-headers.js';
import { onChange } from '../db/changes.js';
import type { Logger } from '../logger.js';

/** Somewhere purges go. `send` throws when the target did not accept them. */
export interface PurgeTarget {
  name: string;
  send(keys: string[]): Promise<void>;
}

export interface CdnPurgerOptions {
  targets: PurgeTarget[];
  logger: Logger;
  /** Waits before each retry; after the last, the purge is given up (and logged as an error). */
  retryDelaysMs?: number[];
}

const declared = new Set<(keys: readonly string[]) => void>();

/** A write that knows exactly which pages it changed says so: these keys are purged (none: nothing). */
export function purgeKeys(keys: readonly string[]): void {
  for (const listener of declared) listener(keys);
}

/**
 * What a change announced on the bus purges when no write declared its keys: everything, but for tag
 * bookkeeping (tags show through posts), post writes that named their posts (the posts service declares
 * their keys), and comments removed in bulk (they go with a deleted post or account, whose own change
 * purges what showed them).
 */
function keysOfChange(topic: string, ids: readonly string[] | null): readonly string[] {
  if (topic === 'tags') return [];
  if (topic === 'posts' && ids !== null) return [];
  if (topic === 'comments' && ids === null) return [];
  return [SITE_KEY];
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000];
const REQUEST_TIMEOUT_MS = 10_000;

export class CdnPurger {
  private readonly targets: PurgeTarget[];
  private readonly logger: Logger;
  private readonly retryDelaysMs: number[];
  private pending = new Set<string>();
  private scheduled = false;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private unsubscribe: (() => unknown) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor({ targets, logger, retryDelaysMs = DEFAULT_RETRY_DELAYS_MS }: CdnPurgerOptions) {
    this.targets = targets;
    this.logger = logger;
    this.retryDelaysMs = retryDelaysMs;
  }

  /** Subscribes to this process's declared purges and to the changes it announces. */
  start(): this {
    if (this.unsubscribe) return this;
    const onDeclared = (keys: readonly string[]) => this.purge(keys);
    declared.add(onDeclared);
    const offBus = onChange(({ topic, ids, origin }) => {
      if (origin === 'local') this.purge(keysOfChange(topic, ids));
    });
    this.unsubscribe = () => {
      declared.delete(onDeclared);
      offBus();
    };
    return this;
  }

  /** Unsubscribes and gives up retries not yet due. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Queues keys for the next purge (sent once the current turn of the event loop is over). */
  purge(keys: readonly string[]): void {
    if (keys.length === 0) return;
    for (const key of keys) this.pending.add(key);
    if (this.scheduled) return;
    this.scheduled = true;
    this.inFlight++;
    setImmediate(() => {
      this.scheduled = false;
      const batch = [...this.pending].sort();
      this.pending = new Set();
      for (const target of this.targets) this.attempt(target, batch, 0);
      this.settle();
    });
  }

  /** Resolves once nothing is queued, being sent or waiting for a retry (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private attempt(target: PurgeTarget, keys: string[], failures: number): void {
    this.inFlight++;
    target.send(keys).then(
      () => {
        this.logger.info({ target: target.name, keys, attempts: failures + 1 }, 'CDN purge sent');
        this.settle();
      },
      (err: unknown) => {
        const delay = this.retryDelaysMs[failures];
        if (delay === undefined) {
          this.logger.error({ err, target: target.name, keys, attempts: failures + 1 }, 'CDN purge failed; giving up (pages expire at s-maxage)');
          this.settle();
          return;
        }
        this.logger.warn({ err, target: target.name, keys, attempt: failures + 1, retryInMs: delay }, 'CDN purge failed; retrying');
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.attempt(target, keys, failures + 1);
          this.settle();
        }, delay);
        // A retry waiting never keeps a stopping process alive.
        timer.unref();
        this.timers.add(timer);
      },
    );
  }

  private settle(): void {
    this.inFlight--;
    if (this.inFlight > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** POSTs {"keys": [...]} to a URL of your own, with the shared secret in `X-Quire-Purge-Secret`. */
export function webhookTarget(url: string, secret: string): PurgeTarget {
  return {
    name: 'webhook',
    async send(keys) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Quire-Purge-Secret': secret },
        body: JSON.stringify({ keys }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`purge hook answered ${res.status}`);
    },
  };
}

/** Cloudflare's purge by Cache-Tag; it takes at most this many tags per call. */
const CLOUDFLARE_TAGS_PER_CALL = 30;

export function cloudflareTarget({ zoneId, apiToken, apiUrl }: NonNullable<CdnConfig['cloudflare']>): PurgeTarget {
  return {
    name: 'cloudflare',
    async send(keys) {
      for (let i = 0; i < keys.length; i += CLOUDFLARE_TAGS_PER_CALL) {
        const res = await fetch(`${apiUrl}/zones/${zoneId}/purge_cache`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiToken}` },
          body: JSON.stringify({ tags: keys.slice(i, i + CLOUDFLARE_TAGS_PER_CALL) }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const answer = (await res.json().catch(() => null)) as { success?: boolean; errors?: Array<{ message?: string }> } | null;
        if (!res.ok || answer?.success !== true) {
          throw new Error(`Cloudflare answered ${res.status}${answer?.errors?.[0]?.message ? `: ${answer.errors[0].message}` : ''}`);
        }
      }
    },
  };
}

/**
 * For a command-line tool: whatever it changed is purged once, as `site`, when it is done, instead of a
 * purge per post of a 10,000-post import. Call before the tool writes; await what it returns at the end.
 */
export function purgeOnceWhenDone(purger: CdnPurger): () => Promise<void> {
  let changed = false;
  const offBus = onChange(({ origin }) => {
    if (origin === 'local') changed = true;
  });
  return async () => {
    offBus();
    if (!changed) return;
    purger.purge([SITE_KEY]);
    await purger.idle();
  };
}

/** The purger the configuration asks for, or undefined when no target is configured. */
export function cdnPurgerFor(cdn: CdnConfig, logger: Logger, retryDelaysMs?: number[]): CdnPurger | undefined {
  const targets: PurgeTarget[] = [];
  if (cdn.purgeUrl && cdn.purgeSecret) targets.push(webhookTarget(cdn.purgeUrl, cdn.purgeSecret));
  if (cdn.cloudflare) targets.push(cloudflareTarget(cdn.cloudflare));
  return targets.length > 0 ? new CdnPurger({ targets, logger, retryDelaysMs }) : undefined;
}
