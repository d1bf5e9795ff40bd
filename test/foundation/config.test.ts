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

  it('requires JWT_SECRET of at least 32 bytes in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/Invalid JWT_SECRET: required/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/at least 32 bytes/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).jwtSecret).toBe(secret);
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

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), PORT: '', MONGODB_URI: ' ' }).port).toBe(3000);
  });
});
