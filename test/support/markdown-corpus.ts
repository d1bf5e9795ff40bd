// A Markdown body with every construct the renderer and sanitizer keep, change or remove: the preview
// (integration and browser tests) must show exactly what the published page shows for it.
/** Every construct the sanitizer keeps, changes or removes. */
export const MARKDOWN_CORPUS = [
  '# A top heading becomes h2',
  '## Section', '### Sub', '#### Four', '##### Five', '###### Six',
  'Some **bold**, *em*, ~~gone~~, `inline <code>`, a line  \nbreak and an autolink https://example.com/x.',
  '[internal](/posts/other "Title") [external](https://example.com/a) [mail](mailto:a@example.com) [bad](javascript:alert(1)) [proto](//evil.example/x)',
  '![upload](/uploads/media/0123456789abcdef0123456789abcdef/640.webp "t") ![web](https://cdn.example/p.png) ![nope](data:image/png;base64,AAAA) ![path](/etc/passwd)',
  '- one\n- two\n  - nested',
  '3. three\n4. four',
  '> quoted **text**',
  '```ts\nconst x: number = 1; // note\n```',
  '```\nno <language>\n```',
  '| Left | Right | Centre |\n|:--|--:|:-:|\n| a | b | c |',
  '---',
  '<script>alert(1)</script><style>p{}</style><iframe src="https://x"></iframe>',
  '<p style="color:red" onclick="x()">raw paragraph</p><div class="alert">div</div>',
  '<a href="https://example.com" target="_blank" rel="opener" onclick="x">raw link</a>',
  '<img src="/uploads/media/0123456789abcdef0123456789abcdef/320.webp" width="320" height="abc" onerror="x">',
  '<span class="hljs-keyword other" style="x">span</span> <table><tr><td align="center" bgcolor="red">cell</td></tr></table>',
  '<details><summary>s</summary>hidden</details> <ol start="7" reversed><li>seven</li></ol>',
].join('\n\n');
