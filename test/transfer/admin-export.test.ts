// The export button in /admin/settings: admins only (editors 403, strangers to sign-in), CSRF-checked,
// streams a Quire archive as a download, never with password hashes, and leaves an audit entry.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditEntry } from '../../src/site/audit.model.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { anonymousSession, sessionFor, type TestSession } from '../support/session.js';
import { archiveContents, tempDir } from './support.js';

const { app, config } = testApp();
let admin: TestSession;
let editor: TestSession;

const binary = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

const exportAs = (session: TestSession, body: Record<string, string> = {}) =>
  request(app).post('/admin/settings/export').set('Cookie', session.cookie).type('form').buffer(true).parse(binary).send({ _csrf: session.csrf, ...body });

beforeAll(async () => {
  const adminUser = await makeUser({ role: 'admin', displayName: 'Ada Admin' });
  admin = sessionFor(adminUser, config);
  editor = sessionFor(await makeUser({ role: 'editor' }), config);
  await makePost({ author: adminUser, title: 'Exported from the web', status: 'published' });
  // A second factor's secret, as a later version might keep it on the account: a credential, never exported.
  await User.collection.updateOne({ _id: adminUser._id }, { $set: { totpSecret: 'JBSWY3DPEHPK3PXP', recoveryCodes: ['abc-def'] } });
});

describe('POST /admin/settings/export', () => {
  it('shows the button to admins', async () => {
    const res = await request(app).get('/admin/settings').set('Cookie', admin.cookie);
    expect(res.text).toContain('action="/admin/settings/export"');
  });

  it('streams the archive to an admin, without password hashes, and audits it', async () => {
    const res = await exportAs(admin, { withRevisions: 'on' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/gzip');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="?quire-export-\d{4}-\d{2}-\d{2}\.tar\.gz"?/);
    const file = join(tempDir(), 'web.tar.gz');
    writeFileSync(file, res.body as Buffer);
    const files = await archiveContents(file);
    expect(JSON.parse(files.get('manifest.json')!.toString())).toMatchObject({ withPasswordHashes: false, withRevisions: true });
    expect(files.get('posts.ndjson')!.toString()).toContain('Exported from the web');
    const users = files.get('users.ndjson')!.toString();
    for (const secret of ['passwordHash', 'scrypt', 'JBSWY3DPEHPK3PXP', 'abc-def', 'tokenVersion']) expect(users).not.toContain(secret);
    expect(users).toContain('Ada Admin');
    const entry = await AuditEntry.findOne({ action: 'site.export' }).lean();
    expect(entry).toMatchObject({ actorName: 'Ada Admin', targetType: 'site' });
  });

  it('refuses editors (403), strangers (sign-in) and requests without a CSRF token (403)', async () => {
    expect((await exportAs(editor)).status).toBe(403);
    const stranger = anonymousSession(config);
    const anonymous = await request(app).post('/admin/settings/export').set('Cookie', stranger.cookie).type('form').send({ _csrf: stranger.csrf });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/signin/);
    const noToken = await request(app).post('/admin/settings/export').set('Cookie', admin.cookie).type('form').send({});
    expect(noToken.status).toBe(403);
    expect(await AuditEntry.countDocuments({ action: 'site.export' })).toBe(1);
  });
});
