// What a template needs to render an uploaded image responsively: src, srcset, intrinsic size, alt.
import type { MediaDoc } from './media.model.js';

export interface ImageView {
  id: string;
  alt: string;
  width: number;
  height: number;
  /** A mid-size rendition, for browsers without srcset and for og:image. */
  src: string;
  srcset: string;
  /** The largest rendition. */
  largest: string;
}

type ImageFields = Pick<MediaDoc, '_id' | 'alt' | 'width' | 'height' | 'variants' | 'originalKey'>;

export function toImageView(media: ImageFields, url: (key: string) => string, alt?: string): ImageView {
  const variants = [...(media.variants ?? [])].sort((a, b) => a.width - b.width);
  const fallback = variants.find((v) => v.width >= 640) ?? variants[variants.length - 1];
  const largest = variants[variants.length - 1];
  return {
    id: String(media._id),
    alt: alt ?? media.alt ?? '',
    width: media.width,
    height: media.height,
    src: url(fallback ? fallback.key : media.originalKey),
    srcset: variants.map((v) => `${url(v.key)} ${v.width}w`).join(', '),
    largest: url(largest ? largest.key : media.originalKey),
  };
}
