// Accounts. Usernames and emails are stored lower-case and unique; the password hash carries its own
// algorithm and cost (see auth/password.ts); tokenVersion ends every session when bumped.
import mongoose, { type InferSchemaType, type Types } from 'mongoose';
import { announceWrites } from '../db/announce-writes.js';
import { ROLES, type CurrentUser } from '../site/permissions.js';

export type { CurrentUser };

export const USER_STATUSES = ['active', 'suspended'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

const userSchema = new mongoose.Schema(
  {
    username: { type: String, required: true, lowercase: true, trim: true, minlength: 3, maxlength: 30, match: /^[a-z0-9_-]+$/ },
    email: { type: String, required: true, lowercase: true, trim: true, maxlength: 254 },
    displayName: { type: String, required: true, trim: true, maxlength: 80 },
    bio: { type: String, default: '', maxlength: 2000 },
    passwordHash: { type: String, required: true },
    role: { type: String, enum: ROLES, default: 'reader', required: true },
    status: { type: String, enum: USER_STATUSES, default: 'active', required: true },
    tokenVersion: { type: Number, default: 0, required: true },
    /** Storage key of the avatar image (webp), absent for the default avatar. */
    avatarKey: { type: String },
    lastSignInAt: { type: Date },
    /** The IANA time zone the user reads and schedules in ("Europe/Paris"), canonical (http/time-zones.ts);
     * absent until chosen: pages then use the site's zone (UTC) and say so. */
    timeZone: { type: String, maxlength: 64 },
    /** When the owner proved the address: a verification link opened, or an account made by setup, an
     * invitation (its link went to this address), create-admin or the seed. Absent until then. */
    emailVerifiedAt: { type: Date },
    /** Two-factor sign-in (auth/two-factor.ts): the TOTP secret, encrypted; when it was turned on; the
     * SHA-256 of each unused recovery code. Absent while 2FA is off. */
    totpSecret: { type: String },
    totpEnabledAt: { type: Date },
    recoveryCodeHashes: { type: [String], default: undefined },
    /** Signed-out sessions whose tokens have not expired yet (see auth/session.ts). */
    revokedSessions: {
      type: [new mongoose.Schema({ jti: { type: String, required: true }, expiresAt: { type: Date, required: true } }, { _id: false })],
      default: [],
    },
  },
  { timestamps: true, collection: 'users' },
);

userSchema.index({ username: 1 }, { unique: true });
userSchema.index({ email: 1 }, { unique: true });
userSchema.index({ role: 1, status: 1 });
userSchema.index({ createdAt: -1 });

export type UserDoc = InferSchemaType<typeof userSchema> & { _id: Types.ObjectId };
// overwriteModels: vitest may load this module twice in one worker (once per test file).
// Public pages show authors' names, bios and avatars (and hide what suspended or removed authors wrote).
// Sign-ins, sessions, passwords and e-mail addresses are shown nowhere public: their writes are not
// announced, so a sign-in never empties the page cache. A new account is shown nowhere until it writes.
announceWrites(userSchema, {
  topic: 'users',
  publicPaths: ['username', 'displayName', 'bio', 'avatarKey', 'role', 'status'],
  publicWhenInserted: () => false,
});

export const User = mongoose.model('User', userSchema, undefined, { overwriteModels: true });

