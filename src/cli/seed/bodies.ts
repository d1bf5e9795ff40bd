// Markdown bodies for demo posts, put together from a topic's pieces: a first paragraph of its own, then
// paragraphs, a list, a code block and links chosen in rotation, so neighbouring posts read differently.
import type { Topic } from './topics.js';

function codeBlock(topic: Topic): string {
  return `\`\`\`${topic.code.lang}\n${topic.code.text}\n\`\`\``;
}

function links(topic: Topic): string {
  return topic.links.map(([text, url]) => `- [${text}](${url})`).join('\n');
}

/** A full article: about 400 words with two headings, a list, a code block and further reading. */
export function articleBody(topic: Topic, variant: number, lede: string): string {
  const p = (n: number) => topic.paragraphs[(variant + n) % topic.paragraphs.length]!;
  const ordered = variant % 2 === 1;
  const items = topic.list.items.map((item, i) => (ordered ? `${i + 1}. ${item}` : `- ${item}`)).join('\n');
  return [
    lede,
    p(0),
    `## ${topic.list.heading}`,
    p(1),
    items,
    `## ${topic.code.heading}`,
    codeBlock(topic),
    topic.code.after,
    p(2),
    '### Further reading',
    `If you want to go deeper, these are the pages we keep coming back to:\n\n${links(topic)}`,
  ].join('\n\n');
}

/** A shorter body for the many generated posts of a large site (one rendering serves thousands of posts). */
export function shortBody(topic: Topic, variant: number): string {
  const p = (n: number) => topic.paragraphs[(variant + n) % topic.paragraphs.length]!;
  const [text, url] = topic.links[variant % topic.links.length]!;
  return [
    p(0),
    `## ${topic.list.heading}`,
    topic.list.items.slice(0, 3).map((item) => `- ${item}`).join('\n'),
    `${p(1)} See [${text}](${url}) for more.`,
  ].join('\n\n');
}
