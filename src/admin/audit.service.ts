// Writing to the audit log. Services call recordAudit after an action succeeds; the router supplies the
// client address (services never see the request).
import { AuditEntry } from './audit.model.js';

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

export async function recordAudit(record: AuditRecord): Promise<void> {
  await AuditEntry.create({
    actor: record.actor?.id,
    actorName: record.actor?.displayName ?? 'system',
    action: record.action,
    targetType: record.target.type,
    targetId: record.target.id,
    targetLabel: record.target.label?.slice(0, 200),
    detail: record.detail?.slice(0, 1000),
    ip: record.ip,
  });
}
