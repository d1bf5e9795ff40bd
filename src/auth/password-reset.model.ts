// A password-reset link issued: only the SHA-256 of its token, for whom, until when. The link also dies
// when the password changes by any path (passwordStamp, see password-reset.service.ts).
import mongoose from 'mongoose';

const resetSchema = new mongoose.Schema(
  {
    user: { type: mongoose.Schema.Types.ObjectId, required: true },
    tokenHash: { type: String, required: true },
    /** A digest of the password hash when the link was made: any password change voids the link. */
    passwordStamp: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'password_resets', versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);
resetSchema.index({ tokenHash: 1 }, { unique: true });
resetSchema.index({ user: 1 });
resetSchema.index({ expiresAt: 1 });

export const PasswordReset = mongoose.model('PasswordReset', resetSchema, undefined, { overwriteModels: true });
