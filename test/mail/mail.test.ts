// Outgoing mail: over SMTP when SMTP_URL is set (a real SMTP server started here receives it), and into
// DATA_DIR/outbox otherwise, listed for admins only at /admin/outbox.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/mail/mailer.js';
import { testApp, testConfig } from '../support/app.js';
import { usersByRole } from '../support/admin.js';
import { startSmtpServer, type TestSmtp } from '../support/mail.js';

const silent = pino({ level: 'silent' });
const message = {
  to: 'reader@example.test',
  subject: 'Reset your password',
  text: 'Follow this link: http://quire.test/password/reset/abc123\n',
  links: ['http://quire.test/password/reset/abc123'],
};

describe('SMTP', () => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(() => smtp.close());

  it('delivers the message from MAIL_FROM to the address, links intact', async () => {
    const config = testConfig({ smtpUrl: smtp.url, mailFrom: 'Quire Blog <blog@quire.test>' });
    const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, logger: silent });
    expect(mailer.kind).toBe('smtp');
    await mailer.send(message);
    const mail = await smtp.nextFor('reader@example.test');
    expect(mail.from).toBe('blog@quire.test');
    expect(mail.raw).toMatch(/^From: Quire Blog <blog@quire\.test>/m);
    expect(mail.subject).toBe('Reset your password');
    expect(mail.links).toEqual(['http://quire.test/password/reset/abc123']);
    // Nothing went to the outbox.
    expect(existsSync(join(config.dataDir, 'outbox'))).toBe(false);
  });

  it('rejects when the server is gone, so callers can log the failure', async () => {
    const gone = await startSmtpServer();
    await gone.close();
    const mailer = createMailer({ smtpUrl: gone.url, from: 'q@quire.test', dataDir: testConfig().dataDir, logger: silent });
    await expect(mailer.send(message)).rejects.toThrow();
  });
});

describe('the outbox (no SMTP_URL)', () => {
  it('writes an .eml and a summary per message, listed at /admin/outbox for admins only', async () => {
    const { app, config } = testApp();
    const mailer = createMailer({ smtpUrl: undefined, from: config.mailFrom, dataDir: config.dataDir, logger: silent });
    expect(mailer.kind).toBe('outbox');
    await mailer.send(message);
    await mailer.send({ ...message, to: 'second@example.test', subject: 'Second <b>message</b>' });

    const files = readdirSync(join(config.dataDir, 'outbox')).sort();
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(2);
    const eml = readFileSync(join(config.dataDir, 'outbox', files.find((f) => f.endsWith('.eml'))!), 'utf8');
    expect(eml).toMatch(/^Subject: Reset your password$/m);
    expect(eml).toMatch(/^To: reader@example\.test$/m);

    const users = await usersByRole(config);
    const page = await request(app).get('/admin/outbox').set('Cookie', users.admin.cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('reader@example.test');
    expect(page.text).toContain('href="http://quire.test/password/reset/abc123"');
    // Escaped like every other value, and newest first.
    expect(page.text).toContain('Second &lt;b&gt;message&lt;/b&gt;');
    expect(page.text.indexOf('second@example.test')).toBeLessThan(page.text.indexOf('reader@example.test'));

    // The links open other people's accounts: nobody else may see them.
    expect((await request(app).get('/admin/outbox').set('Cookie', users.editor.cookie)).status).toBe(403);
    const anonymous = await request(app).get('/admin/outbox');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/signin?next=%2Fadmin%2Foutbox');
  });

  it('keeps only the newest messages, deleting each older .eml with its summary', async () => {
    const { config } = testApp();
    const mailer = createMailer({ smtpUrl: undefined, from: config.mailFrom, dataDir: config.dataDir, logger: silent, outboxKeep: 2 });
    for (const to of ['one@example.test', 'two@example.test', 'three@example.test']) await mailer.send({ ...message, to });

    const dir = join(config.dataDir, 'outbox');
    const files = readdirSync(dir).sort();
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(2);
    const kept = files.filter((f) => f.endsWith('.eml')).map((f) => readFileSync(join(dir, f), 'utf8'));
    expect(kept.some((eml) => eml.includes('one@example.test'))).toBe(false);
    expect(kept.filter((eml) => /two@example\.test|three@example\.test/.test(eml))).toHaveLength(2);
  });
});
