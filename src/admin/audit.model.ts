// The audit log: append-only. Nothing in Quire updates or deletes these documents.
import mongoose, { type InferSchemaType, type Types } from 'mongoose';

const auditSchema = new mongoose.Schema(
  {
    at: { type: Date, required: true, default: () => new Date() },
    actor: { type: mongoose.Schema.Types.ObjectId, ref: 'User' },
    /** Kept so the log still reads after the actor is deleted. */
    actorName: { type: String, required: true },
    /** A dotted verb: user.role, user.suspend, post.publish, settings.update, ... */
    action: { type: String, required: true, maxlength: 64 },
    targetType: { type: String, required: true, maxlength: 32 },
    targetId: { type: String, maxlength: 64 },
    targetLabel: { type: String, maxlength: 200 },
    detail: { type: String, maxlength: 1000 },
    ip: { type: String, maxlength: 64 },
  },
  { collection: 'audit_log', versionKey: false },
);

auditSchema.index({ at: -1 });
auditSchema.index({ actor: 1, at: -1 });
auditSchema.index({ action: 1, at: -1 });

export type AuditDoc = InferSchemaType<typeof auditSchema> & { _id: Types.ObjectId };
export const AuditEntry = mongoose.model('AuditEntry', auditSchema, undefined, { overwriteModels: true });
