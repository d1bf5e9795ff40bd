// Cover images for the demo posts, drawn locally: an SVG per topic (a gradient and a geometric pattern,
// no text, so no fonts are needed) rendered to PNG by sharp, then uploaded through the media service like
// any upload, so the library has the same WebP variants and records it would have for a real image.
import sharp from 'sharp';
import type { Actor } from '../../site/permissions.js';
import { Media } from '../../media/media.model.js';
import { uploadMedia } from '../../media/media.service.js';
import type { Storage } from '../../media/storage.js';
import type { Topic } from './topics.js';

const WIDTH = 1600;
const HEIGHT = 900;

/** A small deterministic random generator (mulberry32), so every run draws the same pictures. */
export function randomSequence(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATTERNS = ['circles', 'stripes', 'triangles', 'dots', 'waves', 'rings'] as const;
type Pattern = (typeof PATTERNS)[number];

const DESCRIPTIONS: Record<Pattern, string> = {
  circles: 'overlapping translucent circles',
  stripes: 'diagonal bands',
  triangles: 'scattered triangles',
  dots: 'a grid of dots of varying size',
  waves: 'layered waves',
  rings: 'concentric rings',
};

function shapes(pattern: Pattern, accent: string, random: () => number): string {
  const r = (min: number, max: number) => Math.round(min + random() * (max - min));
  const out: string[] = [];
  switch (pattern) {
    case 'circles':
      for (let i = 0; i < 9; i++) out.push(`<circle cx="${r(0, WIDTH)}" cy="${r(0, HEIGHT)}" r="${r(80, 320)}" fill="${accent}" fill-opacity="${(0.12 + random() * 0.25).toFixed(2)}"/>`);
      break;
    case 'stripes':
      for (let x = -HEIGHT; x < WIDTH; x += r(90, 160)) {
        out.push(`<polygon points="${x},${HEIGHT} ${x + 60},${HEIGHT} ${x + 60 + HEIGHT},0 ${x + HEIGHT},0" fill="${accent}" fill-opacity="${(0.1 + random() * 0.3).toFixed(2)}"/>`);
      }
      break;
    case 'triangles':
      for (let i = 0; i < 14; i++) {
        const x = r(0, WIDTH);
        const y = r(0, HEIGHT);
        const s = r(60, 220);
        out.push(`<polygon points="${x},${y - s} ${x + s},${y + s} ${x - s},${y + s}" fill="${accent}" fill-opacity="${(0.1 + random() * 0.3).toFixed(2)}" transform="rotate(${r(0, 360)} ${x} ${y})"/>`);
      }
      break;
    case 'dots':
      for (let x = 80; x < WIDTH; x += 110) {
        for (let y = 80; y < HEIGHT; y += 110) out.push(`<circle cx="${x}" cy="${y}" r="${r(6, 34)}" fill="${accent}" fill-opacity="0.55"/>`);
      }
      break;
    case 'waves':
      for (let i = 0; i < 6; i++) {
        const y = 180 + i * 120;
        const a = r(40, 110);
        out.push(
          `<path d="M0 ${y} C ${WIDTH / 4} ${y - a}, ${WIDTH / 4} ${y + a}, ${WIDTH / 2} ${y} S ${(WIDTH * 3) / 4} ${y - a}, ${WIDTH} ${y} L ${WIDTH} ${HEIGHT} L 0 ${HEIGHT} Z" fill="${accent}" fill-opacity="0.12"/>`,
        );
      }
      break;
    case 'rings': {
      const cx = r(WIDTH * 0.3, WIDTH * 0.7);
      const cy = r(HEIGHT * 0.3, HEIGHT * 0.7);
      for (let radius = 60; radius < WIDTH; radius += r(50, 90)) {
        out.push(`<circle cx="${cx}" cy="${cy}" r="${radius}" fill="none" stroke="${accent}" stroke-width="${r(8, 28)}" stroke-opacity="0.35"/>`);
      }
      break;
    }
  }
  return out.join('');
}

export interface CoverDrawing {
  svg: string;
  alt: string;
  filename: string;
}

/**
 * `width`: the pixels the picture is rendered at (the drawing is the same at any width: the SVG's viewBox
 * stays 1600x900). The seed renders at 1600; tests render smaller, as sharp's work grows with the pixels.
 */
export function drawCover(topic: Topic, index: number, width = WIDTH): CoverDrawing {
  const pattern = PATTERNS[index % PATTERNS.length]!;
  const [from, to, accent] = topic.palette;
  const random = randomSequence(1000 + index);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${Math.round((width * HEIGHT) / WIDTH)}" viewBox="0 0 ${WIDTH} ${HEIGHT}">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs>` +
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="url(#g)"/>${shapes(pattern, accent, random)}</svg>`;
  const slug = topic.tag.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return {
    svg,
    alt: `Abstract cover for ${topic.tag}: ${DESCRIPTIONS[pattern]} on a colour gradient`,
    filename: `cover-${String(index + 1).padStart(2, '0')}-${slug}.png`,
  };
}

/**
 * One cover per topic, owned by `owners(topicIndex)`; an image uploaded by an earlier run (same owner and
 * file name) is reused. Returns media ids by topic index. `width`: as for drawCover.
 */
export async function ensureCovers(
  topics: Topic[],
  owners: (topicIndex: number) => Actor,
  storage: Storage,
  progress: (message: string) => void,
  width = WIDTH,
): Promise<{ ids: string[]; created: number }> {
  const ids: string[] = [];
  let created = 0;
  for (const [index, topic] of topics.entries()) {
    const owner = owners(index);
    const drawing = drawCover(topic, index, width);
    const existing = await Media.findOne({ owner: owner.id, filename: drawing.filename }, '_id').lean();
    if (existing) {
      ids.push(String(existing._id));
      continue;
    }
    const png = await sharp(Buffer.from(drawing.svg)).png().toBuffer();
    const media = await uploadMedia(owner, { buffer: png, originalname: drawing.filename }, drawing.alt, storage);
    ids.push(String(media._id));
    created++;
    progress(`  cover ${index + 1}/${topics.length}: ${drawing.filename}`);
  }
  return { ids, created };
}
