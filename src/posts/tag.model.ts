// Tags: a post stores tag slugs; this collection keeps each tag's display name ("Node.js" for `node-js`).
// The first spelling used for a slug is kept, so every page shows the same name for a tag.
import mongoose, { type InferSchemaType } from 'mongoose';
import { announceWrites } from '../db/announce-writes.js';

const tagSchema = new mongoose.Schema(
  {
    slug: { type: String, required: true, maxlength: 60 },
    name: { type: String, required: true, trim: true, maxlength: 40 },
  },
  { timestamps: true, collection: 'tags', versionKey: false },
);

tagSchema.index({ slug: 1 }, { unique: true });

export type TagDoc = InferSchemaType<typeof tagSchema>;
// Tag names show on every post and list that carries them.
announceWrites(tagSchema, { topic: 'tags' });

export const Tag = mongoose.model('Tag', tagSchema, undefined, { overwriteModels: true });
