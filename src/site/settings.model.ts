// Site settings: one document, edited at /admin/settings.
import mongoose from 'mongoose';

const settingsSchema = new mongoose.Schema(
  {
    _id: { type: String, default: 'site' },
    title: { type: String, required: true, maxlength: 80 },
    tagline: { type: String, default: '', maxlength: 160 },
    description: { type: String, default: '', maxlength: 300 },
    postsPerPage: { type: Number, required: true, min: 1, max: 50 },
    signupOpen: { type: Boolean, required: true },
    commentsEnabled: { type: Boolean, required: true },
    cdnMaxAgeSeconds: { type: Number, min: 0, max: 31536000 },
    cdnStaleSeconds: { type: Number, min: 0, max: 86400 },
  },
  { timestamps: true, collection: 'settings' },
);

export const Settings = mongoose.model('Settings', settingsSchema, undefined, { overwriteModels: true });
