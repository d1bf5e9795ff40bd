// One attempt counted against a limit (a failed sign-in, a sign-up, a password change...): a row per
// attempt, inserted and deleted, never updated. FerretDB 1.24 loses concurrent $inc and conditional
// updates (200 parallel $inc gave 30), but it keeps every insert, so counting rows stays correct on every
// engine and across processes sharing one database. See attempt-store.ts.
import mongoose from 'mongoose';

const attemptSchema = new mongoose.Schema(
  {
    /** What is limited and for whom, e.g. `signin-fail-address:203.0.113.7`. */
    key: { type: String, required: true, maxlength: 400 },
    at: { type: Date, required: true },
    /** When the attempt leaves its window: rows past it are pruned. */
    expiresAt: { type: Date, required: true },
  },
  { collection: 'attempts', versionKey: false },
);

// Counting one key's window, oldest first; _id breaks ties between attempts of the same millisecond.
attemptSchema.index({ key: 1, at: 1, _id: 1 });
attemptSchema.index({ expiresAt: 1 });

export const Attempt = mongoose.model('Attempt', attemptSchema, undefined, { overwriteModels: true });
