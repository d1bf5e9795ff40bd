// Who may open each admin page and run each admin action: anonymous visitors are sent to sign in, readers
// and authors are refused, editors get the content parts only, admins everything. A refused action
// changes nothing.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { getSettings } from '../../src/site/settings.service.js';
import type { Role } from '../../src/site/permissions.js';
import { Media } from '../../src/media/media.model.js';
import { Post } from '../../src/posts/post.model.js';
import { User } from '../../src/users/user.model.js';
import { usersByRole } from '../support/admin.js';
import { makeMedia } from '../support/media.js';
import { makePost } from '../support/posts.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { anonymousSession } from '../support/session.js';

const { app, config } = testApp();
type Who = Role | 'anonymous';
const EVERYONE: Who[] = ['anonymous', 'reader', 'author', 'editor', 'admin'];
const allowed = (who: Who, min: 'editor' | 'admin') => who === 'admin' || (min === 'editor' && who === 'editor');

let browsers: Awaited<ReturnType<typeof usersByRole>>;
let someUserId: string;
let someMediaId: string;

beforeAll(async () => {
  browsers = await usersByRole(config);
  someUserId = String((await makeUser({ role: 'author' }))._id);
  someMediaId = String((await makeMedia({ _id: someUserId }))._id);
});

const pages: { url: () => string; min: 'editor' | 'admin' }[] = [
  { url: () => '/admin', min: 'editor' },
  { url: () => '/admin/posts', min: 'editor' },
  { url: () => '/admin/media', min: 'editor' },
  { url: () => `/admin/media/${someMediaId}/delete`, min: 'editor' },
  { url: () => '/admin/users', min: 'admin' },
  { url: () => `/admin/users/${someUserId}/delete`, min: 'admin' },
  { url: () => '/admin/audit', min: 'admin' },
  { url: () => '/admin/settings', min: 'admin' },
];

describe.each(pages)('GET $min page', ({ url, min }) => {
  it.each(EVERYONE)(`%s`, async (who) => {
    const res = await request(app).get(url()).set('Cookie', browsers[who].cookie);
    if (who === 'anonymous') {
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/signin?next=${encodeURIComponent(url())}`);
    } else if (allowed(who, min)) {
      expect(res.status).toBe(200);
      expect(res.text).toContain('<meta name="robots" content="noindex">');
      expect(res.headers['cache-control']).toContain('no-store');
    } else {
      expect(res.status).toBe(403);
    }
  });
});

interface ActionCase {
  name: string;
  min: 'editor' | 'admin';
  /** Makes what the action works on; returns the URL, the body and a probe of whether it happened. */
  setup: () => Promise<{ url: string; body: Record<string, string | string[]>; happened: () => Promise<boolean> }>;
}

const actions: ActionCase[] = [
  {
    name: 'POST /admin/users/:id/role',
    min: 'admin',
    setup: async () => {
      const user = await makeUser({ role: 'reader' });
      return { url: `/admin/users/${user._id}/role`, body: { role: 'author' }, happened: async () => (await User.findById(user._id).lean())?.role === 'author' };
    },
  },
  {
    name: 'POST /admin/users/:id/status',
    min: 'admin',
    setup: async () => {
      const user = await makeUser();
      return { url: `/admin/users/${user._id}/status`, body: { status: 'suspended' }, happened: async () => (await User.findById(user._id).lean())?.status === 'suspended' };
    },
  },
  {
    name: 'POST /admin/users/:id/signout',
    min: 'admin',
    setup: async () => {
      const user = await makeUser();
      return { url: `/admin/users/${user._id}/signout`, body: {}, happened: async () => (await User.findById(user._id).lean())?.tokenVersion === 1 };
    },
  },
  {
    name: 'POST /admin/users/:id/delete',
    min: 'admin',
    setup: async () => {
      const user = await makeUser();
      return { url: `/admin/users/${user._id}/delete`, body: { plan: 'delete' }, happened: async () => (await User.exists({ _id: user._id })) === null };
    },
  },
  {
    name: 'POST /admin/settings',
    min: 'admin',
    setup: async () => {
      const title = `Title ${Math.random().toString(36).slice(2, 8)}`;
      return {
        url: '/admin/settings',
        body: { title, tagline: '', description: '', postsPerPage: '10', signupOpen: 'on', commentsEnabled: 'on' },
        happened: async () => (await getSettings()).title === title,
      };
    },
  },
  {
    name: 'POST /admin/posts/bulk',
    min: 'editor',
    setup: async () => {
      const author = await makeUser({ role: 'author' });
      const post = await makePost({ author, status: 'draft' });
      return { url: '/admin/posts/bulk', body: { action: 'publish', ids: String(post._id) }, happened: async () => (await Post.findById(post._id).lean())?.status === 'published' };
    },
  },
  {
    name: 'POST /admin/media/:id/delete',
    min: 'editor',
    setup: async () => {
      const author = await makeUser({ role: 'author' });
      const media = await makeMedia(author);
      return { url: `/admin/media/${media._id}/delete`, body: { confirm: 'yes' }, happened: async () => (await Media.exists({ _id: media._id })) === null };
    },
  },
];

describe.each(actions)('$name', ({ setup, min }) => {
  it.each(EVERYONE)('%s', async (who) => {
    const { url, body, happened } = await setup();
    const browser = who === 'anonymous' ? anonymousSession(config) : browsers[who];
    const res = await request(app)
      .post(url)
      .set('Cookie', browser.cookie)
      .type('form')
      .send({ ...body, _csrf: browser.csrf });
    if (who === 'anonymous') {
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/signin?next=${encodeURIComponent(url)}`);
    } else if (allowed(who, min)) {
      expect(res.status).toBe(303);
    } else {
      expect(res.status).toBe(403);
    }
    expect(await happened()).toBe(allowed(who, min));
  });

  it('is refused without a CSRF token, even for an admin', async () => {
    const { url, body, happened } = await setup();
    const res = await request(app).post(url).set('Cookie', browsers.admin.cookie).type('form').send(body);
    expect(res.status).toBe(403);
    expect(await happened()).toBe(false);
  });
});

describe('the admin navigation', () => {
  it('shows editors only the content parts', async () => {
    const res = await request(app).get('/admin').set('Cookie', browsers.editor.cookie);
    expect(res.text).toContain('href="/admin/posts"');
    expect(res.text).toContain('href="/admin/media"');
    expect(res.text).not.toContain('href="/admin/users"');
    expect(res.text).not.toContain('href="/admin/settings"');
    expect(res.text).not.toContain('href="/admin/audit"');
    expect(res.text).not.toContain('Recent sign-ups');
  });

  it('shows admins every part', async () => {
    const res = await request(app).get('/admin').set('Cookie', browsers.admin.cookie);
    for (const part of ['/admin/users', '/admin/posts', '/admin/media', '/admin/audit', '/admin/settings']) expect(res.text).toContain(`href="${part}"`);
    expect(res.text).toContain('Recent sign-ups');
  });
});
