import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ensureDevelopmentSecret, loadConfig } from '../../src/config.js';

const secret = 'x'.repeat(40);
const emptyDir = () => mkdtempSync(join(tmpdir(), 'quire-config-'));
/** A DATA_DIR holding a development secret, as the entry points prepare it before loadConfig. */
const dataDir = () => {
  const dir = emptyDir();
  ensureDevelopmentSecret({ DATA_DIR: dir });
  return dir;
};

describe('config', () => {
  it('applies the defaults of DESIGN.md', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.port).toBe(3000);
    expect(config.siteUrl).toBe('http://localhost:3000');
    expect(config.mongodbUri).toBeUndefined();
    expect(config.maxUploadBytes).toBe(10 * 1024 * 1024);
    expect(config.env).toBe('development');
    expect(config.logLevel).toBe('info');
    expect(config.secureCookies).toBe(false);
    expect(config.uploadDir).toMatch(/uploads$/);
  });

  it('derives SITE_URL from PORT and trims a trailing slash', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), PORT: '8080' }).siteUrl).toBe('http://localhost:8080');
    expect(loadConfig({ DATA_DIR: dataDir(), SITE_URL: 'https://blog.example.com/' }).siteUrl).toBe('https://blog.example.com');
  });

  it('turns on Secure cookies for https and for production', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), SITE_URL: 'https://blog.example.com' }).secureCookies).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).secureCookies).toBe(true);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['SITE_URL', 'not a url'],
    ['SITE_URL', 'ftp://example.com'],
    ['MONGODB_URI', 'postgres://localhost/db'],
    ['MAX_UPLOAD_MB', '-1'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'loud'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir(), [name]: value })).toThrow(new RegExp(`^Invalid ${name}:`));
  });

  it('hashes passwords at N=2^17 unless PASSWORD_HASH_LOG2N lowers it, which production refuses', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).passwordHashLog2N).toBe(17);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).passwordHashLog2N).toBe(17);
    expect(loadConfig({ DATA_DIR: dataDir(), PASSWORD_HASH_LOG2N: '10' }).passwordHashLog2N).toBe(10);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, PASSWORD_HASH_LOG2N: '18' }).passwordHashLog2N).toBe(18);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, PASSWORD_HASH_LOG2N: '16' })).toThrow(/^Invalid PASSWORD_HASH_LOG2N: must be at least 17/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), PASSWORD_HASH_LOG2N: '9' })).toThrow(/^Invalid PASSWORD_HASH_LOG2N:/);
  });

  it('requires JWT_SECRET of at least 32 bytes in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/Invalid JWT_SECRET: required/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/at least 32 bytes/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).jwtSecret).toBe(secret);
    // The secret rotated from is held to the same length, and is never the one that signs.
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, JWT_SECRET_PREVIOUS: 'short' })).toThrow(/Invalid JWT_SECRET_PREVIOUS: must be at least 32 bytes/);
    const rotated = loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, JWT_SECRET_PREVIOUS: `old-${secret}` });
    expect([rotated.jwtSecret, rotated.previousJwtSecret]).toEqual([secret, `old-${secret}`]);
  });

  it('generates a development secret once (ensureDevelopmentSecret) and keeps it in DATA_DIR', () => {
    const dir = emptyDir();
    ensureDevelopmentSecret({ DATA_DIR: dir });
    const first = loadConfig({ DATA_DIR: dir }).jwtSecret;
    expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first);
    ensureDevelopmentSecret({ DATA_DIR: dir });
    expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(first);
  });

  it('creates no secret file where JWT_SECRET is set or in production', () => {
    const dir = emptyDir();
    ensureDevelopmentSecret({ DATA_DIR: dir, JWT_SECRET: secret });
    ensureDevelopmentSecret({ DATA_DIR: dir, NODE_ENV: 'production' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes nothing while parsing', () => {
    const dir = emptyDir();
    const absent = join(dir, 'not-yet');
    expect(loadConfig({ DATA_DIR: absent, JWT_SECRET: secret }).dataDir).toBe(absent);
    // Without the explicit step there is no secret to read: loadConfig says so rather than making one.
    expect(() => loadConfig({ DATA_DIR: absent })).toThrow(/Invalid JWT_SECRET: unset/);
    expect(() => loadConfig({ DATA_DIR: dir })).toThrow(ConfigError);
    expect(existsSync(absent)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('returns a frozen config', () => {
    const config = loadConfig({ DATA_DIR: emptyDir(), JWT_SECRET: secret });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('freezes the nested settings too (S3 bucket and credentials, CDN purge)', () => {
    const config = loadConfig({
      DATA_DIR: emptyDir(),
      JWT_SECRET: secret,
      S3_BUCKET: 'quire-media',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'key',
      CLOUDFLARE_ZONE_ID: 'a'.repeat(32),
      CLOUDFLARE_API_TOKEN: 'token',
    });
    for (const inner of [config.s3, config.s3?.credentials, config.cdn, config.cdn.cloudflare]) {
      expect(inner).toBeDefined();
      expect(Object.isFrozen(inner)).toBe(true);
    }
    expect(() => {
      (config.s3 as { bucket: string }).bucket = 'elsewhere';
    }).toThrow(TypeError);
    expect(() => {
      (config.cdn.cloudflare as { apiUrl: string }).apiUrl = 'https://attacker.example';
    }).toThrow(TypeError);
    expect(config.s3?.bucket).toBe('quire-media');
  });

  it('chooses local media storage unless STORAGE=s3, and reads the bucket from S3_*', () => {
    expect(loadConfig({ DATA_DIR: dataDir() })).toMatchObject({ storage: 'local', s3: undefined });
    const s3 = { STORAGE: 's3', S3_BUCKET: 'quire-media', S3_ENDPOINT: 'http://127.0.0.1:9000/', S3_PUBLIC_URL: 'https://media.example.com/', S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'key' };
    expect(loadConfig({ DATA_DIR: dataDir(), ...s3 })).toMatchObject({
      storage: 's3',
      s3: { bucket: 'quire-media', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', publicUrl: 'https://media.example.com', forcePathStyle: true, credentials: { accessKeyId: 'id', secretAccessKey: 'key' } },
    });
    // On AWS itself the public address can be derived.
    expect(loadConfig({ DATA_DIR: dataDir(), STORAGE: 's3', S3_BUCKET: 'quire-media', S3_REGION: 'eu-west-1' }).s3!.publicUrl).toBe('https://quire-media.s3.eu-west-1.amazonaws.com');
  });

  it.each([
    [{ STORAGE: 's3' }, /^Invalid S3_BUCKET: required when STORAGE=s3/],
    [{ STORAGE: 'disk' }, /^Invalid STORAGE:/],
    [{ STORAGE: 's3', S3_BUCKET: 'Not_A_Bucket' }, /^Invalid S3_BUCKET:/],
    [{ STORAGE: 's3', S3_BUCKET: 'quire-media', S3_ENDPOINT: 'http://127.0.0.1:9000' }, /^Invalid S3_PUBLIC_URL: required with S3_ENDPOINT/],
    [{ STORAGE: 's3', S3_BUCKET: 'quire-media', S3_ACCESS_KEY_ID: 'id' }, /^Invalid S3_ACCESS_KEY_ID: set both/],
    [{ CDN_PURGE_URL: 'https://purge.example.com/hook' }, /^Invalid CDN_PURGE_SECRET: required with CDN_PURGE_URL/],
    [{ CDN_PURGE_URL: 'https://purge.example.com/hook', CDN_PURGE_SECRET: 'short' }, /^Invalid CDN_PURGE_SECRET:/],
    [{ CLOUDFLARE_ZONE_ID: 'f'.repeat(32) }, /^Invalid CLOUDFLARE_ZONE_ID: set both/],
  ])('refuses an incomplete storage or CDN setting: %j', (env, message) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(message);
  });

  it('reads the CDN purge targets', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), CDN_PURGE_URL: 'https://purge.example.com/hook', CDN_PURGE_SECRET: 's'.repeat(20), CLOUDFLARE_ZONE_ID: 'f'.repeat(32), CLOUDFLARE_API_TOKEN: 'token' });
    expect(config.cdn).toEqual({
      purgeUrl: 'https://purge.example.com/hook',
      purgeSecret: 's'.repeat(20),
      cloudflare: { zoneId: 'f'.repeat(32), apiToken: 'token', apiUrl: 'https://api.cloudflare.com/client/v4' },
    });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), PORT: '', MONGODB_URI: ' ' }).port).toBe(3000);
  });
});
