// Comment text is plain text: everything is escaped, and the only markup produced is paragraphs, line
// breaks and rel="nofollow ugc" links around absolute http(s) URLs. Checked on the renderer and on the page.
import { describe, expect, it } from 'vitest';
import { fingerprintOf, renderCommentBody } from '../../src/comments/comment-text.js';
import { testApp } from '../support/app.js';
import { comment, postPage } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor } from '../support/session.js';

/** Every tag in an HTML fragment, as `name attributes`. */
const tagsIn = (html: string) => [...html.matchAll(/<([a-z][a-z0-9]*)\b([^>]*)>/gi)].map((m) => `${m[1]!.toLowerCase()}${m[2]}`);

describe('renderCommentBody', () => {
  it('escapes markup and scripts as text', () => {
    expect(renderCommentBody('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(renderCommentBody('<b>x</b> & "quotes" \'single\'')).toBe('<p>&lt;b&gt;x&lt;/b&gt; &amp; &#34;quotes&#34; &#39;single&#39;</p>');
    expect(renderCommentBody('<img src=x onerror=alert(1)>')).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>');
  });

  it('never links javascript:, data: or vbscript: URLs, written bare or inside a tag', () => {
    for (const text of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(document.cookie)',
      '<a href="javascript:alert(1)">click</a>',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      '[click](javascript:alert(1))',
    ]) {
      const html = renderCommentBody(text);
      expect(tagsIn(html).every((t) => t === 'p'), text).toBe(true);
    }
  });

  it('links http and https URLs with rel="nofollow ugc", trimming sentence punctuation', () => {
    expect(renderCommentBody('See https://example.com/a?b=1&c=2. Thanks')).toBe(
      '<p>See <a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener">https://example.com/a?b=1&amp;c=2</a>. Thanks</p>',
    );
    expect(renderCommentBody('(see http://example.org/x)')).toBe('<p>(see <a href="http://example.org/x" rel="nofollow ugc noopener">http://example.org/x</a>)</p>');
    expect(renderCommentBody('https://en.wikipedia.org/wiki/Sun_(disambiguation)')).toContain('href="https://en.wikipedia.org/wiki/Sun_(disambiguation)"');
  });

  it('ends a link at a quote, so an attribute cannot be smuggled in', () => {
    const html = renderCommentBody('http://example.com/"onmouseover="alert(1)" x=" and http://example.com/\'onfocus=\'alert(1)');
    const anchors = tagsIn(html).filter((t) => t.startsWith('a '));
    expect(anchors).toEqual([
      'a href="http://example.com/" rel="nofollow ugc noopener"',
      'a href="http://example.com/" rel="nofollow ugc noopener"',
    ]);
    expect(html).toContain('&#34;onmouseover=&#34;alert(1)&#34;');
    expect(html).not.toMatch(/<[^>]*\son\w+=/i);
  });

  it('does not link what only looks like a URL', () => {
    expect(renderCommentBody('http:// and https://')).toBe('<p>http:// and https://</p>');
    expect(renderCommentBody('ftp://example.com')).toBe('<p>ftp://example.com</p>');
    expect(renderCommentBody('xhttp://example.com')).toBe('<p>xhttp://example.com</p>');
  });

  it('keeps paragraphs and line breaks', () => {
    expect(renderCommentBody('one\r\ntwo\n\n\nthree')).toBe('<p>one<br>\ntwo</p>\n<p>three</p>');
  });

  it('fingerprints the same words the same however they are spaced or capitalized', () => {
    expect(fingerprintOf('Great  post!\n')).toBe(fingerprintOf('great post!'));
    expect(fingerprintOf('Great post!')).not.toBe(fingerprintOf('Great post?'));
  });
});

describe('on the post page', () => {
  const { app, config } = testApp();

  it('shows hostile comments as escaped text, with no tag or attribute of their own', async () => {
    const author = await makeUser({ role: 'author' });
    const post = await makePost({ author, status: 'published', body: 'Plain body.' });
    const s = sessionFor(author, config);
    const hostile = [
      '<script>alert(1)</script>',
      '<b>x</b>',
      'javascript:alert(1)',
      '<a href="javascript:alert(2)">click me</a>',
      'http://example.com/"onmouseover="alert(3)',
    ];
    for (const text of hostile) expect((await comment(app, s, post.slug, text)).status, text).toBe(303);

    const page = await postPage(app, post.slug);
    const start = page.text.indexOf('id="comments"');
    const section = page.text.slice(start, page.text.indexOf('</section>', start));
    expect(section).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(section).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(section).toContain('javascript:alert(1)');
    expect(section).toContain('&lt;a href=&#34;javascript:alert(2)&#34;&gt;click me&lt;/a&gt;');
    expect(section).not.toMatch(/<script/i);
    expect(section).not.toMatch(/<b>/);
    expect(section).not.toMatch(/href="javascript:/i);
    expect(section).not.toMatch(/<[^>]*\sonmouseover=/i);
    expect(section).toContain('<a href="http://example.com/" rel="nofollow ugc noopener">http://example.com/</a>&#34;onmouseover=&#34;alert(3)');
  });
});
