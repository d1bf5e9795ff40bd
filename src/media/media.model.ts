// Uploaded images. The bytes live in Storage under keys made from the id (`media/<id>/...`); this
// record holds what pages need to render them: dimensions, alt text and the re-encoded variants.
import mongoose, { type InferSchemaType, type Types } from 'mongoose';

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
    alt: { type: String, default: '', maxlength: 300 },
    /** Format of the re-encoded original: jpeg, png, webp, avif or gif. */
    format: { type: String, required: true },
    width: { type: Number, required: true },
    height: { type: Number, required: true },
    bytes: { type: Number, required: true },
    originalKey: { type: String, required: true },
    /** WebP renditions at 320/640/1280/1920 px wide (never upscaled), smallest first. */
    variants: { type: [variantSchema], default: [] },
  },
  { timestamps: true, collection: 'media' },
);

mediaSchema.index({ owner: 1, createdAt: -1 });
mediaSchema.index({ createdAt: -1 });

export type MediaDoc = InferSchemaType<typeof mediaSchema> & { _id: Types.ObjectId };
export const Media = mongoose.model('Media', mediaSchema, undefined, { overwriteModels: true });
