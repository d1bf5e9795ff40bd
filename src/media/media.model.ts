// Uploaded images. The bytes live in Storage under `media/<storageKey>/...`, a random name kept on the
// record (never derived from the id: ObjectIds are sequential, so id-based names let anyone find images
// that no public page shows); this record holds what pages need to render them: dimensions, alt text and
// the re-encoded variants.
import mongoose, { type InferSchemaType, type Types } from 'mongoose';
import { announceWrites } from '../db/announce-writes.js';

const variantSchema = new mongoose.Schema(
  {
    width: { type: Number, required: true },
    height: { type: Number, required: true },
    key: { type: String, required: true },
    bytes: { type: Number, required: true },
  },
  { _id: false },
);

const mediaSchema = new mongoose.Schema(
  {
    owner: { type: mongoose.Schema.Types.ObjectId, ref: 'User', required: true },
    /** The uploader's file name, for display only (cleaned; never used as a path). */
    filename: { type: String, required: true, maxlength: 200 },
    /**
     * 128 random bits (32 hex digits): the folder of this image's files in storage. Absent only on records
     * made before migration 0003, which gives them one and moves their files.
     */
    storageKey: { type: String },
    alt: { type: String, default: '', maxlength: 300 },
    /** Format of the re-encoded original: jpeg, png, webp, avif or gif. */
    format: { type: String, required: true },
    width: { type: Number, required: true },
    height: { type: Number, required: true },
    bytes: { type: Number, required: true },
    originalKey: { type: String, required: true },
    /** WebP renditions: the standard widths (320/640/1280/1920) below the image's own, and its own (at most 1920); never upscaled; smallest first. */
    variants: { type: [variantSchema], default: [] },
  },
  { timestamps: true, collection: 'media' },
);

mediaSchema.index({ owner: 1, createdAt: -1 });
mediaSchema.index({ createdAt: -1 });
// Post bodies name images by their URL, which carries this key (see bodyImagesByStorageKeys).
mediaSchema.index({ storageKey: 1 });

export type MediaDoc = InferSchemaType<typeof mediaSchema> & { _id: Types.ObjectId };
// Pages show images by id (covers) and by key (bodies), with their alt text and renditions: every change
// to a record is visible; a new upload is used nowhere yet.
announceWrites(mediaSchema, { topic: 'media', publicWhenInserted: () => false });

export const Media = mongoose.model('Media', mediaSchema, undefined, { overwriteModels: true });
