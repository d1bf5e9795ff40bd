// An email-verification link issued: only the SHA-256 of its token, for whom, to which address, until
// when. The link dies when the account's address changes (the stored email no longer matches).
import mongoose from 'mongoose';

const verificationSchema = new mongoose.Schema(
  {
    user: { type: mongoose.Schema.Types.ObjectId, required: true },
    tokenHash: { type: String, required: true },
    /** The address the link was mailed to: only that address is marked verified. */
    email: { type: String, required: true, maxlength: 254 },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'email_verifications', versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);
verificationSchema.index({ tokenHash: 1 }, { unique: true });
verificationSchema.index({ user: 1 });
verificationSchema.index({ expiresAt: 1 });

export const EmailVerification = mongoose.model('EmailVerification', verificationSchema, undefined, { overwriteModels: true });
