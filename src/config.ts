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
  JWT_SECRET_PREVIOUS: optional(z.string()),
  UPLOAD_DIR: optional(z.string()),
  MAX_UPLOAD_MB: optional(z.coerce.number().positive().max(1024)),
  IMPORT_MAX_MB: optional(z.coerce.number().positive().max(1024 * 1024)),
  NODE_ENV: optional(z.enum(['development', 'production', 'test'])),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  // scrypt's cost as log2(N) (src/users/password.ts). Lowered by the test suite only; see loadConfig.
  PASSWORD_HASH_LOG2N: optional(z.coerce.number().int().min(10).max(22)),
  FERRETDB_BIN: optional(z.string()),
  READ_MODEL: optional(z.enum(['memory', 'query'])),
  WEB_CONCURRENCY: optional(z.coerce.number().int().min(1).max(64)),
  SMTP_URL: optional(z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')),
  MAIL_FROM: optional(z.string().max(254)),
  TRUST_PROXY: optional(
    z.union([z.enum(['true', 'false']).transform((v) => v === 'true'), z.coerce.number().int().min(0).max(10)]),
  ),
  // Media on an S3-compatible store (src/media/s3-storage.ts) instead of UPLOAD_DIR.
  STORAGE: optional(z.enum(['local', 's3'])),
  S3_BUCKET: optional(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name (3-63 lower-case letters, digits, dots, hyphens)')),
  S3_REGION: optional(z.string().regex(/^[a-z0-9-]+$/, 'must be a region name such as us-east-1')),
  S3_ENDPOINT: optional(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).transform((u) => u.replace(/\/+$/, ''))),
  S3_ACCESS_KEY_ID: optional(z.string()),
  S3_SECRET_ACCESS_KEY: optional(z.string()),
  S3_PUBLIC_URL: optional(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).transform((u) => u.replace(/\/+$/, ''))),
  S3_FORCE_PATH_STYLE: optional(z.enum(['true', 'false']).transform((v) => v === 'true')),
  // The CDN purge hook (src/site/cdn-purge.ts).
  CDN_PURGE_URL: optional(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })),
  CDN_PURGE_SECRET: optional(z.string().min(16, 'must be at least 16 characters')),
  CLOUDFLARE_ZONE_ID: optional(z.string().regex(/^[a-f0-9]{32}$/, 'must be a zone id (32 hex digits)')),
  CLOUDFLARE_API_TOKEN: optional(z.string()),
  CLOUDFLARE_API_URL: optional(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).transform((u) => u.replace(/\/+$/, ''))),
});

/** A bucket of an S3-compatible store (STORAGE=s3 uses it; `npm run media:migrate` copies to and from it). */
export interface S3Config {
  readonly bucket: string;
  readonly region: string;
  /** Unset: AWS itself. */
  readonly endpoint: string | undefined;
  /** Unset (both): the SDK's default chain (environment, instance or task role). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  /** Where browsers fetch objects: the bucket's public address or a CDN in front of it. */
  readonly publicUrl: string;
  readonly forcePathStyle: boolean;
}

/** Who is told which surrogate keys to purge when content changes (src/site/cdn-purge.ts). */
export interface CdnConfig {
  readonly purgeUrl: string | undefined;
  readonly purgeSecret: string | undefined;
  readonly cloudflare: { readonly zoneId: string; readonly apiToken: string; readonly apiUrl: string } | undefined;
}

/** Frozen by loadConfig: nothing changes it after start-up. */
export interface Config {
  readonly port: number;
  readonly siteUrl: string;
  readonly secureCookies: boolean;
  readonly mongodbUri: string | undefined;
  readonly dataDir: string;
  readonly jwtSecret: string;
  /** The JWT_SECRET before a rotation: only reads (and seals again) TOTP secrets stored under it (auth/keys.ts). */
  readonly previousJwtSecret: string | undefined;
  readonly uploadDir: string;
  readonly maxUploadBytes: number;
  /** Largest file `npm run import` reads, and most bytes it unpacks from an archive (IMPORT_MAX_MB). */
  readonly importMaxBytes: number;
  readonly env: 'development' | 'production' | 'test';
  readonly isProduction: boolean;
  readonly logLevel: string;
  /** scrypt's N as a power of two for new password hashes: 17 (OWASP's minimum) unless lowered outside production. */
  readonly passwordHashLog2N: number;
  readonly ferretdbBin: string | undefined;
  readonly trustProxy: boolean | number;
  /** Worker processes `npm start` runs on one database. */
  readonly webConcurrency: number;
  /** The posts read model; unset: chosen from what the database can do (src/posts/read-model.ts). */
  readonly readModel: 'memory' | 'query' | undefined;
  /** Outgoing mail over SMTP; unset: messages go to DATA_DIR/outbox (src/mail/mailer.ts). */
  readonly smtpUrl: string | undefined;
  /** The From of every message Quire sends. */
  readonly mailFrom: string;
  /** Where media bytes live: UPLOAD_DIR, or the bucket of `s3`. */
  readonly storage: 'local' | 's3';
  /** Set when S3_BUCKET is (required by STORAGE=s3). */
  readonly s3: S3Config | undefined;
  readonly cdn: CdnConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const MIN_SECRET_BYTES = 32;
/** OWASP's minimum for scrypt (N=2^17); src/users/password.ts holds the same as OWASP_MIN_COST. */
export const DEFAULT_PASSWORD_HASH_LOG2N = 17;

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

  const previousJwtSecret = e.JWT_SECRET_PREVIOUS;
  if (previousJwtSecret !== undefined && Buffer.byteLength(previousJwtSecret) < MIN_SECRET_BYTES) {
    throw new ConfigError(`Invalid JWT_SECRET_PREVIOUS: must be at least ${MIN_SECRET_BYTES} bytes (the JWT_SECRET you rotated from)`);
  }

  // The suite's server processes hash at 2^10 so that a test signing in a dozen times does not spend
  // seconds of CPU on it; production may raise the cost but never lower it below OWASP's minimum.
  const passwordHashLog2N = e.PASSWORD_HASH_LOG2N ?? DEFAULT_PASSWORD_HASH_LOG2N;
  if (isProduction && passwordHashLog2N < DEFAULT_PASSWORD_HASH_LOG2N) {
    throw new ConfigError(`Invalid PASSWORD_HASH_LOG2N: must be at least ${DEFAULT_PASSWORD_HASH_LOG2N} when NODE_ENV=production`);
  }

  return deepFreeze({
    port,
    siteUrl,
    secureCookies: isProduction || siteUrl.startsWith('https://'),
    mongodbUri: e.MONGODB_URI,
    dataDir,
    jwtSecret,
    previousJwtSecret,
    uploadDir: resolve(e.UPLOAD_DIR ?? './uploads'),
    maxUploadBytes: Math.floor((e.MAX_UPLOAD_MB ?? 10) * 1024 * 1024),
    importMaxBytes: Math.floor((e.IMPORT_MAX_MB ?? 2048) * 1024 * 1024),
    env: nodeEnv,
    isProduction,
    logLevel: e.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    passwordHashLog2N,
    ferretdbBin: e.FERRETDB_BIN,
    trustProxy: e.TRUST_PROXY ?? false,
    webConcurrency: e.WEB_CONCURRENCY ?? 1,
    readModel: e.READ_MODEL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM ?? `Quire <no-reply@${new URL(siteUrl).hostname}>`,
    storage: e.STORAGE ?? 'local',
    s3: s3Of(e),
    cdn: cdnOf(e),
  });
}

/** Freezes an object and every object inside it: s3, its credentials, cdn and cloudflare too. */
function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const inner of Object.values(value)) {
    if (inner !== null && typeof inner === 'object' && !Object.isFrozen(inner)) deepFreeze(inner as object);
  }
  return Object.freeze(value);
}

function s3Of(e: z.infer<typeof envSchema>): S3Config | undefined {
  if (!e.S3_BUCKET) {
    if (e.STORAGE === 's3') throw new ConfigError('Invalid S3_BUCKET: required when STORAGE=s3');
    return undefined;
  }
  if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError('Invalid S3_ACCESS_KEY_ID: set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (the SDK then finds credentials itself)');
  }
  const region = e.S3_REGION ?? 'us-east-1';
  // Only AWS's own address can be guessed; any other store says where its objects are served from.
  if (!e.S3_PUBLIC_URL && e.S3_ENDPOINT) throw new ConfigError('Invalid S3_PUBLIC_URL: required with S3_ENDPOINT (the address browsers fetch objects from)');
  return {
    bucket: e.S3_BUCKET,
    region,
    endpoint: e.S3_ENDPOINT,
    credentials: e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } : undefined,
    publicUrl: e.S3_PUBLIC_URL ?? `https://${e.S3_BUCKET}.s3.${region}.amazonaws.com`,
    forcePathStyle: e.S3_FORCE_PATH_STYLE ?? false,
  };
}

function cdnOf(e: z.infer<typeof envSchema>): CdnConfig {
  if (e.CDN_PURGE_URL && !e.CDN_PURGE_SECRET) throw new ConfigError('Invalid CDN_PURGE_SECRET: required with CDN_PURGE_URL (the hook must be able to tell Quire from anyone else)');
  if ((e.CLOUDFLARE_ZONE_ID === undefined) !== (e.CLOUDFLARE_API_TOKEN === undefined)) {
    throw new ConfigError('Invalid CLOUDFLARE_ZONE_ID: set both CLOUDFLARE_ZONE_ID and CLOUDFLARE_API_TOKEN, or neither');
  }
  return {
    purgeUrl: e.CDN_PURGE_URL,
    purgeSecret: e.CDN_PURGE_SECRET,
    cloudflare:
      e.CLOUDFLARE_ZONE_ID && e.CLOUDFLARE_API_TOKEN
        ? { zoneId: e.CLOUDFLARE_ZONE_ID, apiToken: e.CLOUDFLARE_API_TOKEN, apiUrl: e.CLOUDFLARE_API_URL ?? 'https://api.cloudflare.com/client/v4' }
        : undefined,
  };
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
