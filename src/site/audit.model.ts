// The audit log: append-only. Entries are created and read; the schema refuses every update, replace and
// delete that goes through Mongoose (queries, documents and bulk writes), so no code path in Quire can
// rewrite history by mistake. (The raw driver collection is out of Mongoose's reach; nothing uses it.)
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

export class AuditLogIsAppendOnly extends Error {
  override name = 'AuditLogIsAppendOnly';
  constructor(operation: string) {
    super(`The audit log is append-only: ${operation} is not allowed.`);
  }
}

const refuse = (operation: string) => () => {
  throw new AuditLogIsAppendOnly(operation);
};

const WRITES = ['updateOne', 'updateMany', 'replaceOne', 'findOneAndUpdate', 'findOneAndReplace', 'deleteOne', 'deleteMany', 'findOneAndDelete'] as const;
for (const operation of WRITES) auditSchema.pre(operation, { document: false, query: true }, refuse(operation));
auditSchema.pre(['updateOne', 'deleteOne'], { document: true, query: false }, refuse('changing an entry'));
auditSchema.pre('save', function refuseResave() {
  if (!this.isNew) throw new AuditLogIsAppendOnly('saving a changed entry');
});
auditSchema.pre('bulkWrite', function refuseBulkChanges(ops) {
  if (ops.some((op) => !('insertOne' in op))) throw new AuditLogIsAppendOnly('bulkWrite with updates or deletes');
});

export type AuditDoc = InferSchemaType<typeof auditSchema> & { _id: Types.ObjectId };
export const AuditEntry = mongoose.model('AuditEntry', auditSchema, undefined, { overwriteModels: true });
