// Static assets with cache-busting URLs: templates write asset('/public/css/quire.css') and get
// `/public/css/quire.css?v=<content hash>`, so browsers may keep a versioned file forever (immutable)
// and still fetch a new one the moment it changes. Unversioned requests get a short cache.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express } from 'express';
import { bootstrapDir, projectRoot, publicDir } from '../paths.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=3600';

const versions = new Map<string, string>();
const bootstrapVersion = (JSON.parse(readFileSync(join(projectRoot, 'node_modules', 'bootstrap', 'package.json'), 'utf8')) as { version: string }).version;

/** The versioned URL of a file under /public or /vendor/bootstrap (hashed once per process). */
export function asset(urlPath: string): string {
  let version = versions.get(urlPath);
  if (version === undefined) {
    if (urlPath.startsWith('/vendor/bootstrap/')) version = bootstrapVersion;
    else if (urlPath.startsWith('/public/')) {
      const file = join(publicDir, urlPath.slice('/public/'.length));
      version = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 10);
    } else throw new Error(`asset(): not a static path: ${urlPath}`);
    versions.set(urlPath, version);
  }
  return `${urlPath}?v=${version}`;
}

/**
 * asset() for a file that a build step makes (the editor bundle, public/build/): null when it has not been
 * built (the test suite renders pages without building), so the page falls back to working without it.
 */
export function builtAsset(urlPath: string): string | null {
  try {
    return asset(urlPath);
  } catch {
    return null;
  }
}

export function mountStaticAssets(app: Express): void {
  const serve = (dir: string) =>
    express.static(dir, {
      index: false,
      fallthrough: true,
      setHeaders: (res) => {
        res.setHeader('Cache-Control', res.req.query.v ? IMMUTABLE : SHORT);
      },
    });
  app.use('/vendor/bootstrap', serve(bootstrapDir));
  app.use('/public', serve(publicDir));
}
