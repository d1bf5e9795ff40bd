// The audit log: services call recordAudit after an action succeeds (the router supplies the client
// address; services never see the request), and /admin/audit reads it newest first with listAudit.
import { beyond, cursorOf, parseCursor } from '../db/cursor.js';
import { auditActionLabel, readableAddress } from './audit-labels.js';
import { AuditEntry } from './audit.model.js';
import type { NamedActor } from './permissions.js';

/** Where a request came from, for the audit log (routers pass it to services, which pass it here). */
export interface RequestMeta {
  ip?: string | undefined;
}

export interface AuditActor {
  id: string;
  displayName: string;
}

export interface AuditRecord {
  actor: AuditActor | null;
  action: string;
  target: { type: string; id?: string | undefined; label?: string | undefined };
  detail?: string | undefined;
  ip?: string | undefined;
}

/** Who acted and from where: what every audited service call receives from its router. */
export interface AuditContext {
  actor: AuditActor;
  ip?: string | undefined;
}

/** An AuditContext whose actor also has a role, for services that check permissions as well as audit. */
export interface ActingContext extends AuditContext {
  actor: NamedActor;
}

export async function recordAudit(record: AuditRecord): Promise<void> {
  await AuditEntry.create({
    actor: record.actor?.id,
    actorName: record.actor?.displayName ?? 'system',
    action: record.action,
    targetType: record.target.type,
    targetId: record.target.id,
    targetLabel: record.target.label?.slice(0, 200),
    detail: record.detail?.slice(0, 1000),
    ip: record.ip?.slice(0, 64),
  });
}

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  /** Cursor from a previous page: entries older than this one. */
  before?: string | undefined;
}

export interface AuditEntryView {
  id: string;
  at: Date;
  actorId: string | null;
  actorName: string;
  action: string;
  /** The action as people read it ("Suspended user"). */
  actionLabel: string;
  targetType: string;
  targetId: string | null;
  targetLabel: string;
  detail: string;
  ip: string;
  /** The address as people read it ("127.0.0.1 (this machine)"). */
  address: string;
}

export interface AuditPage {
  entries: AuditEntryView[];
  /** Cursor for the next (older) page, absent on the last page. */
  next?: string;
}

/** Entries newest first, filtered by actor and action, one bounded page at a time. */
export async function listAudit(filter: AuditFilter): Promise<AuditPage> {
  const query: Record<string, unknown> = {};
  if (filter.actor) query.actor = filter.actor;
  if (filter.action) query.action = filter.action;
  // A keyset cursor (src/db/cursor.ts): the time and id of the last entry shown, so a page costs one
  // indexed range read; anything else starts from the newest.
  const cursor = parseCursor(filter.before);
  if (cursor) query.$or = beyond('at', -1, cursor);
  const docs = await AuditEntry.find(query)
    .sort({ at: -1, _id: -1 })
    .limit(AUDIT_PAGE_SIZE + 1)
    .lean();
  const page = docs.slice(0, AUDIT_PAGE_SIZE);
  const last = page[page.length - 1];
  return {
    entries: page.map((d) => ({
      id: String(d._id),
      at: d.at,
      actorId: d.actor ? String(d.actor) : null,
      actorName: d.actorName,
      action: d.action,
      actionLabel: auditActionLabel(d.action),
      targetType: d.targetType,
      targetId: d.targetId ?? null,
      targetLabel: d.targetLabel ?? '',
      detail: d.detail ?? '',
      ip: d.ip ?? '',
      address: readableAddress(d.ip ?? ''),
    })),
    ...(docs.length > AUDIT_PAGE_SIZE && last ? { next: cursorOf(last.at, last._id)! } : {}),
  };
}

/** Everyone who appears in the log (ids) and every action recorded, for the filter form. */
export async function auditFacets(): Promise<{ actorIds: string[]; actions: { value: string; label: string }[] }> {
  const [actorIds, actions] = await Promise.all([AuditEntry.distinct('actor'), AuditEntry.distinct('action')]);
  return {
    actorIds: actorIds.filter(Boolean).map(String),
    actions: actions
      .map(String)
      .map((value) => ({ value, label: auditActionLabel(value) }))
      .sort((a, b) => a.label.localeCompare(b.label)),
  };
}

/** The name an actor had in their latest entry (for actors whose account is gone). */
export async function lastActorName(actorId: string): Promise<string | undefined> {
  const entry = await AuditEntry.findOne({ actor: actorId }, 'actorName').sort({ at: -1 }).lean();
  return entry?.actorName ?? undefined;
}
