// Site settings: one document, edited at /admin/settings.
import mongoose from 'mongoose';
import { announceWrites } from '../db/announce-writes.js';

/** The change topic of settings writes (src/db/changes.ts): every page shows the settings. */
export const SETTINGS_TOPIC = 'settings';

const settingsSchema = new mongoose.Schema(
  {
    _id: { type: String, default: 'site' },
    title: { type: String, required: true, maxlength: 80 },
    tagline: { type: String, default: '', maxlength: 160 },
    description: { type: String, default: '', maxlength: 300 },
    postsPerPage: { type: Number, required: true, min: 1, max: 50 },
    signupOpen: { type: Boolean, required: true },
    commentsEnabled: { type: Boolean, required: true },
    require2faForStaff: { type: Boolean, default: false },
    verifyEmailOnSignup: { type: Boolean, default: false },
    cdnMaxAgeSeconds: { type: Number, min: 0, max: 31536000 },
    cdnStaleSeconds: { type: Number, min: 0, max: 86400 },
  },
  { timestamps: true, collection: 'settings' },
);

announceWrites(settingsSchema, { topic: SETTINGS_TOPIC });

export const Settings = mongoose.model('Settings', settingsSchema, undefined, { overwriteModels: true });
