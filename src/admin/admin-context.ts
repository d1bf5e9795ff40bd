// Who is acting in /admin and from where: what the admin routers hand to services, which record it in
// the audit log (services never see the request).
import type { Request } from 'express';
import { currentUser } from '../site/guards.js';
import type { Role } from '../site/permissions.js';
import type { AuditActor, AuditContext } from '../site/audit.service.js';

export interface AdminContext extends AuditContext {
  actor: AuditActor & { role: Role };
}

export function adminContext(req: Request): AdminContext {
  const user = currentUser(req);
  return { actor: { id: user.id, displayName: user.displayName, role: user.role }, ip: req.ip };
}
