// The app under test: createApp() with a test configuration and a fresh upload folder, driven through
// supertest (no port, no server process).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import type { Storage } from '../../src/media/storage.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    siteUrl: 'http://quire.test',
    secureCookies: false,
    mongodbUri: undefined,
    dataDir: mkdtempSync(join(tmpdir(), 'quire-test-data-')),
    jwtSecret: TEST_SECRET,
    previousJwtSecret: undefined,
    uploadDir: mkdtempSync(join(tmpdir(), 'quire-test-uploads-')),
    maxUploadBytes: 10 * 1024 * 1024,
    importMaxBytes: 64 * 1024 * 1024,
    env: 'test',
    isProduction: false,
    logLevel: 'silent',
    passwordHashLog2N: 10,
    ferretdbBin: undefined,
    trustProxy: false,
    webConcurrency: 1,
    readModel: undefined,
    smtpUrl: undefined,
    mailFrom: 'Quire <no-reply@quire.test>',
    storage: 'local',
    s3: undefined,
    cdn: { purgeUrl: undefined, purgeSecret: undefined, cloudflare: undefined },
    ...overrides,
  };
}

/** `deps.storage` replaces the local-disk media storage (e.g. one that fails, to test clean-up). */
export function testApp(overrides: Partial<Config> = {}, deps: { storage?: Storage } = {}): { app: Express; config: Config } {
  const config = testConfig(overrides);
  return { app: createApp({ config, logger: pino({ level: 'silent' }), storage: deps.storage }), config };
}
