// One row per thing that may happen only once (a reset link used, a TOTP code accepted, a recovery code
// spent): its _id is the thing's key. See one-time.ts.
import mongoose from 'mongoose';

const claimSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true, maxlength: 200 },
    /** After this the claim may be pruned: what it guards has expired by then anyway. */
    expiresAt: { type: Date, required: true },
  },
  { collection: 'one_time_claims', versionKey: false },
);
claimSchema.index({ expiresAt: 1 });

export const OneTimeClaim = mongoose.model('OneTimeClaim', claimSchema, undefined, { overwriteModels: true });
