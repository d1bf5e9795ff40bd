// An invitation to join with a role, made by an admin: only the SHA-256 of its link's token is kept.
// Its status (pending, accepted, revoked, expired) follows from the dates (invitation.service.ts).
import mongoose from 'mongoose';
import { ROLES } from '../site/permissions.js';

const invitationSchema = new mongoose.Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true, maxlength: 254 },
    role: { type: String, enum: ROLES, required: true },
    tokenHash: { type: String, required: true },
    invitedBy: { type: mongoose.Schema.Types.ObjectId },
    /** Kept so the list still reads after the inviter is deleted. */
    invitedByName: { type: String, required: true, maxlength: 80 },
    expiresAt: { type: Date, required: true },
    acceptedAt: { type: Date },
    acceptedUser: { type: mongoose.Schema.Types.ObjectId },
    revokedAt: { type: Date },
  },
  { collection: 'invitations', versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);
invitationSchema.index({ tokenHash: 1 }, { unique: true });
invitationSchema.index({ createdAt: -1 });
invitationSchema.index({ email: 1 });

export const Invitation = mongoose.model('Invitation', invitationSchema, undefined, { overwriteModels: true });
