// /admin/audit: newest first, filtered by actor and action, paged by a keyset cursor; and the log is
// append-only: the model refuses every update and delete.
import mongoose from 'mongoose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { AUDIT_PAGE_SIZE, recordAudit } from '../../src/site/audit.service.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
let admin: TestSession;
let ada: { id: string; displayName: string };
let bob: { id: string; displayName: string };

const page = (query = '') => request(app).get(`/admin/audit${query}`).set('Cookie', admin.cookie);
const targetsIn = (html: string) => [...html.matchAll(/Target-(\d+)/g)].map((m) => Number(m[1]));

beforeAll(async () => {
  const adaUser = await makeUser({ role: 'admin', displayName: 'Ada Admin' });
  const bobUser = await makeUser({ role: 'admin', displayName: 'Bob Boss' });
  admin = sessionFor(adaUser, config);
  ada = { id: String(adaUser._id), displayName: 'Ada Admin' };
  bob = { id: String(bobUser._id), displayName: 'Bob Boss' };
  const base = Date.UTC(2026, 0, 1);
  // 60 entries a minute apart: Target-0 oldest, Target-59 newest; Bob does every third, the rest Ada.
  await AuditEntry.insertMany(
    Array.from({ length: 60 }, (_, i) => ({
      at: new Date(base + i * 60_000),
      actor: i % 3 === 0 ? bob.id : ada.id,
      actorName: i % 3 === 0 ? bob.displayName : ada.displayName,
      action: i % 2 === 0 ? 'post.publish' : 'user.role',
      targetType: i % 2 === 0 ? 'post' : 'user',
      targetId: String(i),
      targetLabel: `Target-${i}`,
      detail: i % 2 === 0 ? '' : 'reader -> author',
      ip: '203.0.113.7',
    })),
  );
});

describe('the audit log page', () => {
  it('lists entries newest first with who, what, target, detail, when and address', async () => {
    const res = await page();
    expect(res.status).toBe(200);
    const targets = targetsIn(res.text);
    expect(targets).toHaveLength(AUDIT_PAGE_SIZE);
    expect(targets[0]).toBe(59);
    expect(targets).toEqual([...targets].sort((a, b) => b - a));
    expect(res.text).toContain('Bob Boss');
    expect(res.text).toContain('reader -&gt; author');
    expect(res.text).toContain('203.0.113.7');
    expect(res.text).toContain('datetime="2026-01-01T00:59:00.000Z"');
  });

  it('pages to older entries by cursor, without repeats or gaps', async () => {
    const first = await page();
    const older = /href="(\/admin\/audit\?before=[^"]+)"/.exec(first.text)?.[1]?.replace(/&amp;/g, '&');
    expect(older).toBeTruthy();
    const second = await request(app).get(older!).set('Cookie', admin.cookie);
    const all = [...targetsIn(first.text), ...targetsIn(second.text)];
    expect(all).toEqual(Array.from({ length: 60 }, (_, i) => 59 - i));
    expect(second.text).not.toMatch(/href="\/admin\/audit\?before=/);
  });

  it('filters by actor, by action, and by both', async () => {
    const byBob = targetsIn((await page(`?actor=${bob.id}`)).text);
    expect(byBob.length).toBe(20);
    expect(byBob.every((t) => t % 3 === 0)).toBe(true);
    const roles = targetsIn((await page('?action=user.role')).text);
    expect(roles.length).toBe(30);
    expect(roles.every((t) => t % 2 === 1)).toBe(true);
    const both = targetsIn((await page(`?actor=${bob.id}&action=post.publish`)).text);
    expect(both).toEqual([54, 48, 42, 36, 30, 24, 18, 12, 6, 0]);
  });

  it('offers the actors and actions that appear in the log as filter choices', async () => {
    const res = await page();
    expect(res.text).toContain(`<option value="${bob.id}">Bob Boss (@`);
    expect(res.text).toContain('<option value="user.role">Changed role</option>');
    expect(res.text).toContain('<option value="post.publish">Published post</option>');
  });

  it('ignores filter values that are not ids or action names', async () => {
    for (const q of ['?actor=nope', '?action=$where', '?actor[$ne]=x', '?before=garbage', '?action=a.b&action=c.d']) {
      const res = await page(q);
      expect(res.status).toBe(200);
      expect(targetsIn(res.text)).toHaveLength(AUDIT_PAGE_SIZE);
    }
  });

  it('has no route that changes the log', async () => {
    const entry = await AuditEntry.findOne().lean();
    for (const url of ['/admin/audit', `/admin/audit/${entry!._id}`, `/admin/audit/${entry!._id}/delete`]) {
      const res = await request(app).post(url).set('Cookie', admin.cookie).type('form').send({ _csrf: admin.csrf });
      expect(res.status).toBe(404);
    }
    expect(await AuditEntry.countDocuments()).toBe(60);
  });
});

describe('the audit log is append-only', () => {
  it('records an entry', async () => {
    await recordAudit({ actor: ada, action: 'user.signout', target: { type: 'user', id: bob.id, label: 'Bob' }, ip: '198.51.100.1' });
    expect(await AuditEntry.findOne({ action: 'user.signout' }).lean()).toMatchObject({ actorName: 'Ada Admin', targetId: bob.id, ip: '198.51.100.1' });
  });

  it('refuses updates, replaces and deletes through every Mongoose path', async () => {
    const entry = await AuditEntry.findOne({ targetLabel: 'Target-0' });
    const id = entry!._id;
    const attempts: [string, () => Promise<unknown>][] = [
      ['updateOne', () => AuditEntry.updateOne({ _id: id }, { $set: { detail: 'rewritten' } })],
      ['updateMany', () => AuditEntry.updateMany({}, { $set: { detail: 'rewritten' } })],
      ['findOneAndUpdate', () => AuditEntry.findOneAndUpdate({ _id: id }, { $set: { detail: 'rewritten' } })],
      ['findByIdAndUpdate', () => AuditEntry.findByIdAndUpdate(id, { $set: { detail: 'rewritten' } })],
      ['replaceOne', () => AuditEntry.replaceOne({ _id: id }, { actorName: 'x', action: 'x.y', targetType: 'x' })],
      ['findOneAndReplace', () => AuditEntry.findOneAndReplace({ _id: id }, { actorName: 'x', action: 'x.y', targetType: 'x' })],
      ['deleteOne', () => AuditEntry.deleteOne({ _id: id })],
      ['deleteMany', () => AuditEntry.deleteMany({})],
      ['findOneAndDelete', () => AuditEntry.findOneAndDelete({ _id: id })],
      ['findByIdAndDelete', () => AuditEntry.findByIdAndDelete(id)],
      ['document save', () => Object.assign(entry!, { detail: 'rewritten' }).save()],
      ['document updateOne', () => entry!.updateOne({ $set: { detail: 'rewritten' } })],
      ['document deleteOne', () => entry!.deleteOne()],
      ['bulkWrite update', () => AuditEntry.bulkWrite([{ updateOne: { filter: { _id: id }, update: { $set: { detail: 'x' } } } }])],
      ['bulkWrite delete', () => AuditEntry.bulkWrite([{ deleteOne: { filter: { _id: id } } }])],
    ];
    for (const [name, attempt] of attempts) {
      await expect(attempt(), name).rejects.toThrow(/append-only/);
    }
    const after = await AuditEntry.findById(id).lean();
    expect(after).toMatchObject({ targetLabel: 'Target-0', detail: '' });
    expect(await AuditEntry.countDocuments()).toBe(61);
  });

  it('still accepts new entries in bulk', async () => {
    await AuditEntry.bulkWrite([{ insertOne: { document: { actorName: 'system', action: 'test.insert', targetType: 'test' } } }]);
    expect(await AuditEntry.countDocuments({ action: 'test.insert' })).toBe(1);
    expect(mongoose.isValidObjectId((await AuditEntry.findOne({ action: 'test.insert' }).lean())!._id)).toBe(true);
  });
});

describe('readable entries', () => {
  it('names actions in words, shows loopback and IPv4-mapped addresses plainly, and filters by action', async () => {
    const actor = { id: ada.id, displayName: ada.displayName };
    await recordAudit({ actor, action: 'user.suspend', target: { type: 'user', id: 'x1', label: 'Readable-1' }, detail: 'active -> suspended', ip: '::1' });
    await recordAudit({ actor, action: 'user.suspend', target: { type: 'user', id: 'x2', label: 'Readable-2' }, ip: '::ffff:127.0.0.1' });
    await recordAudit({ actor, action: 'user.2fa-reset', target: { type: 'user', id: 'x3', label: 'Readable-3' }, ip: '::ffff:198.51.100.23' });
    await recordAudit({ actor, action: 'pages.some-new-thing', target: { type: 'page', id: 'x4', label: 'Readable-4' }, ip: '2001:db8::7' });

    const res = await page();
    expect(res.text).toContain('>Suspended user<');
    expect(res.text).toContain('>Reset two-factor sign-in<');
    // An action without a label yet reads as its words, not as a code.
    expect(res.text).toContain('>Pages some new thing<');
    expect(res.text).not.toMatch(/>user\.suspend</);
    expect(res.text).toContain('>127.0.0.1 (this machine)<');
    expect(res.text).toContain('>198.51.100.23<');
    expect(res.text).toContain('>2001:db8::7<');
    expect(res.text).not.toMatch(/>::1</);
    expect(res.text).not.toMatch(/>::ffff:/);
    expect(res.text).toContain('<option value="user.suspend">Suspended user</option>');

    const suspensions = await page('?action=user.suspend');
    expect(suspensions.text).toContain('Readable-1');
    expect(suspensions.text).toContain('Readable-2');
    expect(suspensions.text).not.toContain('Readable-3');
    expect(targetsIn(suspensions.text)).toHaveLength(0);
    const resets = await page('?action=user.2fa-reset');
    expect(resets.text).toContain('Readable-3');
    expect(resets.text).not.toContain('Readable-1');
  });
});
