// A small strict XML well-formedness check for the feed and sitemap tests (no dependency): balanced tags,
// quoted attributes, only the five named entities or numeric references, no stray `<` or `&` in text.
export function assertWellFormedXml(xml: string): void {
  let rest = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const checkText = (text: string) => {
    if (text.includes('<')) throw new Error(`stray < in text: ${text.slice(0, 60)}`);
    if (text.includes(']]>')) throw new Error(`]]> in text: ${text.slice(0, 60)}`);
    const bad = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.exec(text);
    if (bad) throw new Error(`bad entity near: ${text.slice(bad.index, bad.index + 20)}`);
  };
  let roots = 0;
  while (rest.length) {
    const open = rest.indexOf('<');
    if (open === -1) {
      if (rest.trim()) throw new Error('text after the root element');
      break;
    }
    const text = rest.slice(0, open);
    if (stack.length === 0 && text.trim()) throw new Error('text outside the root element');
    checkText(text);
    rest = rest.slice(open);
    if (rest.startsWith('<!--')) {
      const end = rest.indexOf('-->');
      if (end === -1) throw new Error('unclosed comment');
      rest = rest.slice(end + 3);
      continue;
    }
    const tag = /^<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(rest);
    if (!tag) throw new Error(`malformed tag near: ${rest.slice(0, 60)}`);
    const [whole, closing, name, attrs, selfClosing] = tag;
    for (const value of attrs!.matchAll(/=\s*(?:"([^"]*)"|'([^']*)')/g)) checkText(value[1] ?? value[2] ?? '');
    const names = [...attrs!.matchAll(/([A-Za-z_][\w.:-]*)\s*=/g)].map((m) => m[1]);
    if (new Set(names).size !== names.length) throw new Error(`duplicate attribute in <${name}>`);
    if (closing) {
      if (stack.pop() !== name) throw new Error(`mismatched </${name}>`);
    } else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
    rest = rest.slice(whole!.length);
  }
  if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1]}>`);
  if (roots !== 1) throw new Error(`expected one root element, found ${roots}`);
}

/** Text content of every `<name>` element (entities decoded), in order. */
export function elementTexts(xml: string, name: string): string[] {
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  return [...xml.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => decode(m[1]!));
}
