// The site's navigation menu: one document, edited at /admin/settings. No document (or an empty list)
// means the default menu (navigation.service.ts).
import mongoose from 'mongoose';
import { announceWrites } from '../db/announce-writes.js';

export const NAV_KINDS = ['page', 'tag', 'link'] as const;
export type NavKind = (typeof NAV_KINDS)[number];

const itemSchema = new mongoose.Schema(
  {
    kind: { type: String, enum: NAV_KINDS, required: true },
    /** A page slug, a tag slug, or an https URL. */
    target: { type: String, required: true, maxlength: 500 },
    label: { type: String, required: true, maxlength: 40 },
  },
  { _id: false },
);

const navigationSchema = new mongoose.Schema(
  {
    _id: { type: String, default: 'site' },
    items: { type: [itemSchema], default: [] },
  },
  { timestamps: true, collection: 'navigation', versionKey: false },
);

// The menu is on every page: every write is announced.
announceWrites(navigationSchema, { topic: 'navigation' });

export const Navigation = mongoose.model('Navigation', navigationSchema, undefined, { overwriteModels: true });
