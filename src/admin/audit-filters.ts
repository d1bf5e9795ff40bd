// The audit log's filter choices: its actors by their current names (from the users they are), and its
// actions. The log itself lives below the domains (src/site/audit.service.ts) and knows no users.
import mongoose from 'mongoose';
import { auditFacets, lastActorName } from '../site/audit.service.js';
import { User } from '../users/user.model.js';

export interface AuditFilterOptions {
  actors: { id: string; name: string }[];
  actions: { value: string; label: string }[];
}

/** The choices for the filter form: everyone who appears in the log, and every action recorded. */
export async function auditFilterOptions(): Promise<AuditFilterOptions> {
  const { actorIds: ids, actions } = await auditFacets();
  const users = ids.length
    ? await User.find({ _id: mongoose.trusted({ $in: ids }) }, 'displayName username').lean()
    : [];
  const names = new Map(users.map((u) => [String(u._id), `${u.displayName} (@${u.username})`]));
  // Deleted actors keep their entries; their name comes from the log itself.
  for (const id of ids.filter((id) => !names.has(id))) {
    names.set(id, `${(await lastActorName(id)) ?? 'unknown'} (deleted)`);
  }
  return {
    actors: [...names].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
    actions,
  };
}
