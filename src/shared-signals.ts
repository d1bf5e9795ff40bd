// The changes every Quire process shares with the others on its database (src/site/change-feed.ts): one
// shared signal per topic of the change bus (src/db/changes.ts), each topic declared by a model.
import { announceChange, declaredTopics, onChange } from './db/changes.js';
import './schema/models.js';
import type { Logger } from './logger.js';
import { ChangeFeed, type SharedSignal } from './site/change-feed.js';

/** The change bus's topic as a signal: local changes go out, other processes' changes come in as remote. */
function topicSignal(topic: string): SharedSignal {
  return {
    name: topic,
    onLocal: (listener) => onChange(({ ids, origin, audience }) => origin === 'local' && listener(ids, audience), [topic]),
    deliverRemote: (ids, audience) => announceChange(topic, ids, 'remote', audience),
  };
}

/** Starts this process's change feed (after the database is connected). */
export async function startChangeFeed(logger: Logger): Promise<ChangeFeed> {
  const feed = new ChangeFeed({ signals: declaredTopics().map(topicSignal), logger });
  await feed.start();
  return feed;
}
