// The one place that reads process.env: a zod schema over every variable of DESIGN.md, parsed once at
// start-up into a frozen Config. A bad value stops start-up with one message that names the variable.
// Parsing writes nothing: the development signing secret is created beforehand by an explicit step,
// ensureDevelopmentSecret(), which the server and the command-line tools call before loadConfig().
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

// An empty value in .env means "use the default", as it does for most twelve-factor tools.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const envSchema = z.object({
  PORT: optional(z.coerce.number().int().min(0).max(65535)),
  SITE_URL: optional(
    z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .transform((u) => u.replace(/\/+$/, '')),
  ),
  MONGODB_URI: optional(z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')),
  DATA_DIR: optional(z.string()),
  JWT_SECRET: optional(z.string()),
  UPLOAD_DIR: optional(z.string()),
  MAX_UPLOAD_MB: optional(z.coerce.number().positive().max(1024)),
  IMPORT_MAX_MB: optional(z.coerce.number().positive().max(1024 * 1024)),
  NODE_ENV: optional(z.enum(['development', 'production', 'test'])),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  FERRETDB_BIN: optional(z.string()),
  READ_MODEL: optional(z.enum(['memory', 'query'])),
  WEB_CONCURRENCY: optional(z.coerce.number().int().min(1).max(64)),
  TRUST_PROXY: optional(
    z.union([z.enum(['true', 'false']).transform((v) => v === 'true'), z.coerce.number().int().min(0).max(10)]),
  ),
});

/** Frozen by loadConfig: nothing changes it after start-up. */
export interface Config {
  readonly port: number;
  readonly siteUrl: string;
  readonly secureCookies: boolean;
  readonly mongodbUri: string | undefined;
  readonly dataDir: string;
  readonly jwtSecret: string;
  readonly uploadDir: string;
  readonly maxUploadBytes: number;
  /** Largest file `npm run import` reads, and most bytes it unpacks from an archive (IMPORT_MAX_MB). */
  readonly importMaxBytes: number;
  readonly env: 'development' | 'production' | 'test';
  readonly isProduction: boolean;
  readonly logLevel: string;
  readonly ferretdbBin: string | undefined;
  readonly trustProxy: boolean | number;
  /** Worker processes `npm start` runs on one database. */
  readonly webConcurrency: number;
  /** The posts read model; unset: chosen from what the database can do (src/posts/read-model.ts). */
  readonly readModel: 'memory' | 'query' | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const MIN_SECRET_BYTES = 32;

/** Parses an environment (process.env by default) into a frozen Config, or throws ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const e = parseEnv(env);
  const nodeEnv = e.NODE_ENV ?? 'development';
  const isProduction = nodeEnv === 'production';
  const port = e.PORT ?? 3000;
  const siteUrl = e.SITE_URL ?? `http://localhost:${port}`;
  const dataDir = dataDirOf(e);

  let jwtSecret = e.JWT_SECRET;
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < MIN_SECRET_BYTES) {
    throw new ConfigError(`Invalid JWT_SECRET: must be at least ${MIN_SECRET_BYTES} bytes (try: openssl rand -base64 48)`);
  }
  if (jwtSecret === undefined) {
    if (isProduction) {
      throw new ConfigError('Invalid JWT_SECRET: required when NODE_ENV=production (try: openssl rand -base64 48)');
    }
    jwtSecret = readDevelopmentSecret(dataDir);
    if (jwtSecret === undefined) {
      // A programming error rather than a user's: the entry point forgot ensureDevelopmentSecret().
      throw new ConfigError(`Invalid JWT_SECRET: unset, and no development secret in ${join(dataDir, SECRET_FILE)} (ensureDevelopmentSecret() creates it)`);
    }
  }

  return Object.freeze({
    port,
    siteUrl,
    secureCookies: isProduction || siteUrl.startsWith('https://'),
    mongodbUri: e.MONGODB_URI,
    dataDir,
    jwtSecret,
    uploadDir: resolve(e.UPLOAD_DIR ?? './uploads'),
    maxUploadBytes: Math.floor((e.MAX_UPLOAD_MB ?? 10) * 1024 * 1024),
    importMaxBytes: Math.floor((e.IMPORT_MAX_MB ?? 2048) * 1024 * 1024),
    env: nodeEnv,
    isProduction,
    logLevel: e.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    ferretdbBin: e.FERRETDB_BIN,
    trustProxy: e.TRUST_PROXY ?? false,
    webConcurrency: e.WEB_CONCURRENCY ?? 1,
    readModel: e.READ_MODEL,
  });
}

function parseEnv(env: Record<string, string | undefined>): z.infer<typeof envSchema> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid ${name}: ${issue.message} (got ${JSON.stringify(env[name])})`);
  }
  return parsed.data;
}

const dataDirOf = (e: z.infer<typeof envSchema>) => resolve(e.DATA_DIR ?? './data');

// In development the signing secret is generated once and kept beside the embedded database, so sessions
// survive restarts without anyone having to invent a secret. Production refuses to start without one.
const SECRET_FILE = 'jwt-secret';

function readDevelopmentSecret(dataDir: string): string | undefined {
  const file = join(dataDir, SECRET_FILE);
  if (!existsSync(file)) return undefined;
  const kept = readFileSync(file, 'utf8').trim();
  return Buffer.byteLength(kept) >= MIN_SECRET_BYTES ? kept : undefined;
}

/**
 * Call before loadConfig(): where the environment needs a development secret (no JWT_SECRET, not
 * production) and DATA_DIR holds none yet, generates one and writes it there. Does nothing otherwise,
 * including on an invalid environment (loadConfig then says what is wrong).
 */
export function ensureDevelopmentSecret(env: Record<string, string | undefined> = process.env): void {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) return;
  const e = parsed.data;
  if (e.JWT_SECRET !== undefined || e.NODE_ENV === 'production') return;
  const dataDir = dataDirOf(e);
  if (readDevelopmentSecret(dataDir) !== undefined) return;
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SECRET_FILE);
  // 'wx': when two processes start at once (the server and a tool), the first secret written stays; a
  // file too short to use is replaced.
  const flag = existsSync(file) ? 'w' : 'wx';
  try {
    writeFileSync(file, randomBytes(48).toString('base64url') + '\n', { mode: 0o600, flag });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Loads ./.env into process.env when it exists (variables already set win). */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
