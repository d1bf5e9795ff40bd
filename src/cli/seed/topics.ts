// The demo site's subject matter: twelve topics (one tag each), five articles per topic, and the pieces
// their Markdown bodies are built from. Plain data, so the seed is deterministic and needs no network.

export interface Topic {
  tag: string;
  /** Five [title, first paragraph] pairs. */
  articles: Array<[string, string]>;
  /** Body paragraphs, used in rotation. */
  paragraphs: string[];
  list: { heading: string; items: string[] };
  code: { heading: string; lang: string; text: string; after: string };
  links: Array<[string, string]>;
  /** Colours for the cover image (two gradient stops and an accent). */
  palette: [string, string, string];
}

export const TOPICS: Topic[] = [
  {
    tag: 'JavaScript',
    articles: [
      ['Closures explained with a shopping list', 'Closures sound abstract until you notice you have been using them every time a callback remembered something.'],
      ['Why your array methods are slower than a for loop (and why it rarely matters)', 'Benchmarks on social media love to show a plain loop beating map and filter. The real story is more interesting.'],
      ['Async iterators in practice', 'Async iterators turn streams, paginated APIs and event sources into something you can read with a for-await loop.'],
      ['Dates in JavaScript without tears', 'Most date bugs come from mixing up instants, calendar dates and time zones. Naming them apart fixes half of them.'],
      ['The event loop, one tick at a time', 'If you have ever wondered why a promise callback runs before a timer set to zero, this walk-through is for you.'],
    ],
    paragraphs: [
      'JavaScript rewards a small set of well-understood ideas more than a large bag of tricks. Functions are values, objects are bags of properties with a prototype behind them, and almost everything interesting happens asynchronously.',
      'The language has grown a lot since ES2015, but the additions are mostly conveniences over patterns people already wrote by hand. Knowing the pattern underneath makes the syntax easy to remember.',
      'When something behaves strangely, reduce it to the smallest program that still shows the problem. Nine times out of ten the surprise is about `this`, about coercion, or about when a callback actually runs.',
      'Readable code beats clever code here as everywhere. A named helper with a clear purpose is easier to test and to change than a one-liner that chains five methods together.',
    ],
    list: {
      heading: 'Things worth remembering',
      items: ['Prefer `const`, and reach for `let` only when a value really changes.', 'Use `===` unless you have a reason not to.', 'Treat `async` functions as functions that return promises, because that is what they are.', 'Keep side effects at the edges of your program.'],
    },
    code: {
      heading: 'A small example',
      lang: 'js',
      text: "function counter() {\n  let count = 0;\n  return () => ++count;\n}\n\nconst next = counter();\nnext(); // 1\nnext(); // 2",
      after: 'Each call to `counter()` creates a fresh `count`, and the returned function keeps it alive for as long as it is needed.',
    },
    links: [['MDN: Closures', 'https://developer.mozilla.org/en-US/docs/Web/JavaScript/Closures'], ['The event loop on MDN', 'https://developer.mozilla.org/en-US/docs/Web/JavaScript/Event_loop']],
    palette: ['#f7df1e', '#f59e0b', '#1f2937'],
  },
  {
    tag: 'TypeScript',
    articles: [
      ['Types that document themselves', 'A good type is the one comment that the compiler keeps up to date for you.'],
      ['Narrowing: letting the compiler follow your if statements', 'TypeScript reads your conditions and narrows types as it goes. Learning to work with it removes most casts.'],
      ['When to reach for generics', 'Generics are for relationships between types, not for making every function look sophisticated.'],
      ['Strict mode is worth the first afternoon', 'Turning on strict mode in an old project feels like opening a can of worms. It is mostly one afternoon of honest fixes.'],
      ['Parsing, not validating, at the edges', 'Data from the outside world is unknown until you parse it. Once parsed, the rest of the program can trust its types.'],
    ],
    paragraphs: [
      'TypeScript is at its best when types describe the shape of the domain rather than the accidents of the implementation. A `PublishedPost` and a `Draft` that cannot be confused are worth more than a dozen optional fields.',
      'The compiler is a colleague who reads every line and never gets tired. Let it catch the mistakes it is good at catching, and spend your own attention on the ones it cannot see.',
      'Union types with a discriminating field model most real-world states better than class hierarchies. A `switch` over the discriminant then tells you, at compile time, when a new case is not handled.',
      'Avoid `any` the way you would avoid a global variable: sometimes it is the pragmatic choice, but it should be rare, local and explained.',
    ],
    list: {
      heading: 'A checklist for new code',
      items: ['Enable `strict` and `noUncheckedIndexedAccess`.', 'Model states as discriminated unions.', 'Parse external input once, with a schema.', 'Export types from the module that owns the data.'],
    },
    code: {
      heading: 'Narrowing in action',
      lang: 'ts',
      text: "type Result = { ok: true; value: number } | { ok: false; error: string };\n\nfunction show(result: Result): string {\n  if (result.ok) return `Got ${result.value}`;\n  return `Failed: ${result.error}`;\n}",
      after: 'Inside each branch the compiler knows exactly which fields exist, without a single cast.',
    },
    links: [['The TypeScript handbook', 'https://www.typescriptlang.org/docs/handbook/intro.html'], ['Narrowing', 'https://www.typescriptlang.org/docs/handbook/2/narrowing.html']],
    palette: ['#3178c6', '#1e3a8a', '#e0f2fe'],
  },
  {
    tag: 'Node.js',
    articles: [
      ['Graceful shutdown for HTTP servers', 'A deploy should never cut a request in half. Handling SIGTERM properly takes about twenty lines.'],
      ['Streams are still the best tool for big files', 'Reading a two-gigabyte file into memory works on your laptop and fails in production. Streams fix that.'],
      ['ES modules in Node without the pain', 'The switch from CommonJS to ES modules is mostly about file extensions and a few changed globals.'],
      ['Worker threads for the CPU-bound bits', 'Node is single-threaded until you need it not to be. Worker threads are the escape hatch.'],
      ['Configuration from the environment, parsed once', 'Reading `process.env` all over a codebase invites typos and silent defaults. Parse it once at start-up.'],
    ],
    paragraphs: [
      'Node.js shines at input and output: many connections, each waiting on a database or a network call most of the time. The event loop makes that cheap, as long as nothing blocks it.',
      'Blocking the event loop is the classic mistake. A synchronous hash, a giant JSON parse or a regular expression with catastrophic backtracking stops every other request while it runs.',
      'The standard library has quietly become excellent. `node:test`, `fetch`, `AbortController`, `structuredClone` and `util.parseArgs` remove whole dependencies from a typical project.',
      'Operational details matter as much as code: logs that are structured, a health check that means something, and a process that stops cleanly when asked.',
    ],
    list: {
      heading: 'Production habits',
      items: ['Log as JSON, one line per event.', 'Expose a health endpoint that checks the database.', 'Close the server and the database on SIGTERM.', 'Never block the event loop with synchronous work on a request path.'],
    },
    code: {
      heading: 'Stopping cleanly',
      lang: 'js',
      text: "process.on('SIGTERM', () => {\n  server.close(async () => {\n    await db.close();\n    process.exit(0);\n  });\n});",
      after: 'The server stops accepting new connections, finishes the requests in flight, and only then closes the database.',
    },
    links: [['Node.js documentation', 'https://nodejs.org/docs/latest/api/'], ['Don’t block the event loop', 'https://nodejs.org/en/learn/asynchronous-work/dont-block-the-event-loop']],
    palette: ['#3c873a', '#14532d', '#bbf7d0'],
  },
  {
    tag: 'Databases',
    articles: [
      ['Indexes are a promise about your queries', 'Every index is a bet on how the data will be read. Make the bet on purpose.'],
      ['Pagination that does not slow down on page 500', 'Offset pagination gets slower the deeper you go. Keyset pagination stays fast at any depth.'],
      ['Schema design for documents you will query', 'Document databases are flexible about shape, which makes it more important to decide the shape yourself.'],
      ['Optimistic concurrency in one field', 'Two people editing the same record should not silently overwrite each other. A version number is enough.'],
      ['Migrations that can run twice', 'A migration that crashes halfway must be safe to run again. Idempotent steps make that easy.'],
    ],
    paragraphs: [
      'A database is where an application’s assumptions become permanent. It pays to write down what each collection holds, who writes it, and which queries read it, before the first document is stored.',
      'Most performance problems are missing indexes or queries that fetch far more than they need. Projecting only the fields a page uses and reading lean objects are cheap, boring wins.',
      'Without transactions, order your writes so that a crash leaves nothing that points at missing data. Write the dependent records first and the record that references them last.',
      'Counting rows is surprisingly expensive at scale. If a page needs a total, consider whether an estimate, a cached number or a “next page” link would serve the reader just as well.',
    ],
    list: {
      heading: 'Before you add an index',
      items: ['Write down the query it serves.', 'Put equality fields first, then the sort, then ranges.', 'Check the plan with real data volumes.', 'Remove indexes nothing uses any more.'],
    },
    code: {
      heading: 'Keyset pagination',
      lang: 'js',
      text: "const next = await posts\n  .find({ publishedAt: { $lt: last.publishedAt } })\n  .sort({ publishedAt: -1 })\n  .limit(10);",
      after: 'The query starts where the previous page ended, so page 500 costs the same as page 1.',
    },
    links: [['MongoDB indexing strategies', 'https://www.mongodb.com/docs/manual/applications/indexes/'], ['Use the index, Luke', 'https://use-the-index-luke.com/']],
    palette: ['#0ea5e9', '#0f172a', '#38bdf8'],
  },
  {
    tag: 'Performance',
    articles: [
      ['Measure before you optimise', 'The slow part of a program is rarely where you expect. A profiler settles the argument in minutes.'],
      ['Caching rendered pages without serving stale content', 'A page cache is easy; knowing when to throw it away is the real work.'],
      ['Compression once, not on every request', 'Compressing the same page a thousand times a second is wasted work. Compress it once and keep the bytes.'],
      ['Reading latency percentiles', 'An average hides the requests that made people leave. The 99th percentile shows them.'],
      ['The cheapest request is the one that never arrives', 'ETags, immutable assets and sensible cache headers let browsers skip most of the work.'],
    ],
    paragraphs: [
      'Performance work starts with a number and ends with a smaller number. Without the first, you cannot know whether the change helped; without the second, you cannot know when to stop.',
      'Throughput and latency are different questions. A server can handle many requests per second while a few unlucky visitors wait far too long, and those few are the ones who remember.',
      'Caching moves work from every request to one request. Its cost is invalidation: every change that affects a cached result must reach the cache, or readers see the past.',
      'Benchmarks on a shared machine are noisy. Run them when the machine is quiet, run them more than once, and compare ratios to a baseline measured in the same run.',
    ],
    list: {
      heading: 'A short performance checklist',
      items: ['Serve static files with long-lived, versioned URLs.', 'Send `ETag` and answer `304 Not Modified`.', 'Cache rendered pages for anonymous visitors.', 'Watch p99, not just the average.'],
    },
    code: {
      heading: 'Timing a block of code',
      lang: 'js',
      text: "const start = performance.now();\nawait renderHomePage();\nconsole.log(`rendered in ${(performance.now() - start).toFixed(1)} ms`);",
      after: 'Crude, but often enough to tell which of two suspects is the slow one.',
    },
    links: [['web.dev: Fast load times', 'https://web.dev/explore/fast'], ['HTTP caching on MDN', 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Caching']],
    palette: ['#ef4444', '#7c2d12', '#fde68a'],
  },
  {
    tag: 'Security',
    articles: [
      ['CSRF tokens, and why SameSite is not quite enough', 'SameSite cookies block most cross-site requests, but a token on every form closes the remaining gaps.'],
      ['Storing passwords in 2024 and beyond', 'Use a memory-hard hash with a per-password salt, and never write your own.'],
      ['A Content-Security-Policy you can actually ship', 'A strict CSP is easy when you start without inline scripts and styles.'],
      ['Uploads are hostile until re-encoded', 'An image upload can be a polyglot, a bomb or a script in disguise. Decode it and encode it again.'],
      ['Rate limits that do not lock out real people', 'Sign-in limits should slow attackers down without punishing the person who forgot their password.'],
    ],
    paragraphs: [
      'Security is mostly a matter of defaults. A framework that escapes output, signs cookies and checks a token on every form protects the developer who forgets, which is every developer eventually.',
      'Treat every input as hostile until it has been parsed into something you understand. That includes file names, query strings, JSON bodies and the contents of uploaded images.',
      'Defence in depth is not paranoia. A sanitizer behind the Markdown renderer, a CSP behind the sanitizer and HttpOnly cookies behind the CSP each catch what the layer before might miss.',
      'Logs are a security tool too. Knowing who changed a role or deleted a post, and from where, turns an incident from guesswork into a timeline.',
    ],
    list: {
      heading: 'Baseline protections',
      items: ['HttpOnly, SameSite cookies for sessions.', 'A CSRF token on every state-changing request.', 'Output escaped by default in templates.', 'An audit log for administrative actions.'],
    },
    code: {
      heading: 'Escaping a search term',
      lang: 'ts',
      text: "function escapeRegExp(text: string): string {\n  return text.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&');\n}",
      after: 'User input becomes a literal pattern, so a query can never turn into an expensive or surprising regular expression.',
    },
    links: [['OWASP Cheat Sheet Series', 'https://cheatsheetseries.owasp.org/'], ['MDN: Content Security Policy', 'https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP']],
    palette: ['#7c3aed', '#1e1b4b', '#c4b5fd'],
  },
  {
    tag: 'Accessibility',
    articles: [
      ['Alt text that helps', 'Good alt text says what the image means in its context, not what the file is called.'],
      ['Keyboard first', 'If you cannot use your site with the keyboard alone, some of your readers cannot use it at all.'],
      ['Headings are the table of contents for screen readers', 'Many screen reader users navigate by headings first. Their order is your page’s outline.'],
      ['Forms that explain their errors', 'An error message should say what went wrong and how to fix it, next to the field it concerns.'],
      ['Colour contrast without a dull palette', 'Accessible contrast ratios leave plenty of room for a distinctive design.'],
    ],
    paragraphs: [
      'Accessibility is not a feature added at the end; it is the quality of the HTML you write from the start. Native elements, proper labels and a sensible heading order carry most of the weight.',
      'Test with the tools your readers use. Tab through every page, turn on a screen reader for ten minutes, zoom to 200 percent and see what breaks.',
      'A skip link, visible focus styles and landmarks cost a few lines of markup and save keyboard users from tabbing through the same navigation on every page.',
      'Forms deserve special care: every field needs a label, every error needs to be announced, and nothing the reader typed should be lost when the form comes back with a problem.',
    ],
    list: {
      heading: 'Quick wins',
      items: ['Give every image meaningful alt text, or an empty one if it is decorative.', 'Use one `h1` per page and keep heading levels in order.', 'Make focus visible.', 'Associate every input with a `label`.'],
    },
    code: {
      heading: 'A labelled field with an error',
      lang: 'html',
      text: '<label for="email">Email</label>\n<input id="email" name="email" aria-describedby="email-error" aria-invalid="true">\n<p id="email-error">Enter an address like name@example.com.</p>',
      after: 'Screen readers announce the label, the invalid state and the message together.',
    },
    links: [['WCAG 2.2 at a glance', 'https://www.w3.org/WAI/standards-guidelines/wcag/glance/'], ['The A11Y Project checklist', 'https://www.a11yproject.com/checklist/']],
    palette: ['#10b981', '#064e3b', '#fef3c7'],
  },
  {
    tag: 'CSS',
    articles: [
      ['Grid for page layout, flexbox for components', 'Grid and flexbox are not competitors. Each is best at a different scale.'],
      ['Custom properties as a design system', 'CSS variables turn colours, spacing and type scales into one place to change a whole site.'],
      ['Responsive images without JavaScript', '`srcset` and `sizes` let the browser pick the right image for the screen it is on.'],
      ['Layouts that survive 375 pixels', 'Designing for small screens first makes the large-screen layout simpler, not harder.'],
      ['Dark mode with one media query', 'A well-structured stylesheet gains a dark theme with a few variable overrides.'],
    ],
    paragraphs: [
      'CSS has become a capable layout language. Grid, flexbox, custom properties and container queries cover layouts that once needed frameworks and JavaScript.',
      'Most CSS pain comes from specificity fights. Keep selectors flat, prefer classes over IDs, and let the cascade work for you rather than against you.',
      'A small set of spacing and type values, used consistently, does more for a design than any individual clever rule. Constraints make pages look intentional.',
      'Test at the extremes: the narrowest phone, the widest monitor, 200 percent zoom and a long word in a narrow column. Those are where layouts break.',
    ],
    list: {
      heading: 'Layout rules of thumb',
      items: ['Start with the narrowest screen.', 'Use `gap` instead of margins between grid items.', 'Give images intrinsic sizes to avoid layout shift.', 'Keep line length between 50 and 80 characters.'],
    },
    code: {
      heading: 'A card grid in four lines',
      lang: 'css',
      text: '.cards {\n  display: grid;\n  grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr));\n  gap: 1.5rem;\n}',
      after: 'The grid adds and removes columns by itself as the screen grows and shrinks.',
    },
    links: [['MDN: CSS grid layout', 'https://developer.mozilla.org/en-US/docs/Web/CSS/CSS_grid_layout'], ['Every Layout', 'https://every-layout.dev/']],
    palette: ['#ec4899', '#831843', '#fbcfe8'],
  },
  {
    tag: 'Testing',
    articles: [
      ['Integration tests against a real database', 'Mocks that pass against a database nobody runs give you confidence in the wrong thing.'],
      ['Tests that would fail if the rule broke', 'A test that cannot fail is decoration. Check that each one does.'],
      ['Factories instead of fixtures', 'Small functions that build valid records keep tests readable and independent.'],
      ['Browser tests that are not flaky', 'Most flaky end-to-end tests wait for time instead of waiting for the thing they need.'],
      ['What to test in a web application', 'Test behaviour at the boundaries people actually use: routes, forms and permissions.'],
    ],
    paragraphs: [
      'The best test suite is the one that tells you, quickly and clearly, that a change broke something a user relies on. Everything else is secondary.',
      'Test through the same door your users come in. An HTTP request against the real app and a real database catches wiring mistakes that unit tests never see.',
      'Flaky tests are worse than no tests, because they teach the team to ignore red builds. Fix or delete them; never retry them into passing.',
      'Security rules deserve tests of their own: the forbidden request that must stay forbidden, the missing token that must be refused, the draft that must stay hidden.',
    ],
    list: {
      heading: 'Signs of a healthy suite',
      items: ['It runs in minutes, not hours.', 'Each test sets up its own data.', 'A failure message explains itself.', 'Nobody is afraid to delete a test that no longer matters.'],
    },
    code: {
      heading: 'A permission test',
      lang: 'ts',
      text: "it('refuses to let an author edit another author’s post', async () => {\n  const res = await request(app).post(`/posts/${post.slug}/edit`).set('Cookie', other.cookie);\n  expect(res.status).toBe(403);\n});",
      after: 'If the permission check ever disappears, this test turns red immediately.',
    },
    links: [['Vitest', 'https://vitest.dev/'], ['Testing pyramid, revisited', 'https://martinfowler.com/articles/practical-test-pyramid.html']],
    palette: ['#84cc16', '#365314', '#ecfccb'],
  },
  {
    tag: 'DevOps',
    articles: [
      ['One command to run the whole project', 'If a new colleague needs a page of instructions to start the app, the instructions are the bug.'],
      ['Health checks that mean something', 'A health check that always answers 200 tells the load balancer nothing.'],
      ['Structured logs you can search', 'Logs written for machines first are easier for humans to read too.'],
      ['Zero-downtime deploys on a single server', 'You do not need an orchestrator to deploy without dropping requests.'],
      ['Backups you have actually restored', 'A backup you have never restored is a hope, not a backup.'],
    ],
    paragraphs: [
      'Operations get easier when the application takes responsibility for itself: it validates its configuration at start-up, reports its health honestly and shuts down cleanly.',
      'Automate the boring parts first. A continuous integration job that runs the tests and the linter on every push saves more time than any clever deployment script.',
      'Keep environments boring and alike. The same build, configured by environment variables, should run on a laptop, in CI and in production.',
      'Practise the bad days. Restore a backup, roll back a release and rotate a secret before you need to do it under pressure.',
    ],
    list: {
      heading: 'Deployment checklist',
      items: ['Configuration validated at start-up.', 'Secrets from the environment, never from the repository.', 'A health endpoint wired to the load balancer.', 'Logs shipped somewhere searchable.'],
    },
    code: {
      heading: 'A minimal CI job',
      lang: 'yaml',
      text: 'jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm ci\n      - run: npm test',
      after: 'Three steps, and every push is checked the same way.',
    },
    links: [['The Twelve-Factor App', 'https://12factor.net/'], ['Google SRE book', 'https://sre.google/sre-book/table-of-contents/']],
    palette: ['#f97316', '#431407', '#fed7aa'],
  },
  {
    tag: 'Design',
    articles: [
      ['Typography is most of web design', 'Choose a readable typeface, a comfortable size and generous line height, and the page is half designed.'],
      ['White space is not wasted space', 'Room around an element tells the reader where it begins and ends.'],
      ['Designing empty states', 'The first thing a new user sees is often an empty list. Make it helpful.'],
      ['Consistency beats novelty', 'A button that looks the same everywhere is a button people trust.'],
      ['Writing microcopy for buttons and errors', 'The words on a button are part of the design. “Save draft” beats “Submit”.'],
    ],
    paragraphs: [
      'Good design on the web is mostly restraint: a clear hierarchy, a limited palette, consistent spacing and type that is pleasant to read for ten minutes at a time.',
      'Design for the content you have, not the content in the mock-up. Real titles are longer, real images have odd proportions and real lists are sometimes empty.',
      'Every screen should answer three questions quickly: where am I, what can I do here, and what happened when I did it.',
      'Accessibility and good design point in the same direction. Sufficient contrast, large targets and clear focus states make pages better for everybody.',
    ],
    list: {
      heading: 'Principles we keep coming back to',
      items: ['One primary action per screen.', 'Text first, decoration second.', 'Consistent spacing from a small scale.', 'Feedback for every action.'],
    },
    code: {
      heading: 'A type scale',
      lang: 'css',
      text: ':root {\n  --step-0: 1rem;\n  --step-1: 1.25rem;\n  --step-2: 1.563rem;\n  --step-3: 1.953rem;\n}',
      after: 'A modular scale keeps headings in proportion without choosing every size by hand.',
    },
    links: [['Butterick’s Practical Typography', 'https://practicaltypography.com/'], ['Laws of UX', 'https://lawsofux.com/']],
    palette: ['#14b8a6', '#134e4a', '#fef9c3'],
  },
  {
    tag: 'Writing',
    articles: [
      ['Write the README first', 'Explaining how a project is used before building it catches design mistakes early.'],
      ['Commit messages for your future self', 'A commit message is a note to the person who will read this change in a year. It is often you.'],
      ['Technical writing without jargon', 'Plain words make technical ideas easier to follow, not less precise.'],
      ['How to write a useful bug report', 'What you did, what you expected and what happened instead: three sentences save an hour.'],
      ['Blogging as a developer', 'Writing about what you learned is the fastest way to find out whether you learned it.'],
    ],
    paragraphs: [
      'Writing is thinking made visible. A design you cannot explain in a few clear paragraphs is usually a design that is not finished yet.',
      'Short sentences and concrete examples carry technical writing. Say what a thing does before you say how it works, and show an example before you show the general rule.',
      'Edit ruthlessly. The first draft gets the ideas down; the second removes every word that is not pulling its weight.',
      'Write for the reader who arrives from a search engine with a problem. Put the answer near the top, then the explanation, then the caveats.',
    ],
    list: {
      heading: 'Habits that help',
      items: ['Lead with the conclusion.', 'Prefer examples over abstractions.', 'Read it aloud before you publish.', 'Link to sources instead of paraphrasing them.'],
    },
    code: {
      heading: 'A commit message that explains why',
      lang: 'text',
      text: 'Posts: keep the original date when a live post is re-published\n\nRe-saving with "publish" moved old posts to the top of the home page.',
      after: 'The subject says what changed; the body says why it mattered.',
    },
    links: [['Google developer documentation style guide', 'https://developers.google.com/style'], ['How to write a git commit message', 'https://cbea.ms/git-commit/']],
    palette: ['#a855f7', '#3b0764', '#fae8ff'],
  },
];

/** For each tag, the two tags its posts most often share (some posts carry one of them as a second tag). */
export const RELATED: Record<string, [string, string]> = {
  JavaScript: ['TypeScript', 'Node.js'],
  TypeScript: ['JavaScript', 'Testing'],
  'Node.js': ['JavaScript', 'DevOps'],
  Databases: ['Performance', 'Node.js'],
  Performance: ['Databases', 'Node.js'],
  Security: ['Node.js', 'Testing'],
  Accessibility: ['Design', 'CSS'],
  CSS: ['Design', 'Accessibility'],
  Testing: ['DevOps', 'TypeScript'],
  DevOps: ['Node.js', 'Security'],
  Design: ['CSS', 'Writing'],
  Writing: ['Design', 'Testing'],
};

/** Posts that stay unpublished: [title, topic index, first paragraph]. */
export const DRAFTS: Array<[string, number, string]> = [
  ['Notes from migrating a monolith to ES modules', 2, 'Half-finished notes on the surprises we met moving a large codebase to ES modules.'],
  ['Draft: a style guide for our error messages', 11, 'Collected examples of good and bad error messages, still to be sorted into rules.'],
  ['Comparing three approaches to full-text search', 3, 'An unfinished comparison of regular expressions, token indexes and a separate search engine.'],
];

/** Posts scheduled for the coming days: [title, topic index, first paragraph, days from now]. */
export const SCHEDULED: Array<[string, number, string, number]> = [
  ['Upcoming: what we learned from a year of page caching', 4, 'A year of serving cached pages to anonymous readers, and the invalidation bugs we found on the way.', 3],
  ['Upcoming: accessible data tables', 6, 'Tables are accessible by default until someone styles them. Here is how to keep them that way.', 7],
  ['Upcoming: designing a settings page people understand', 10, 'Settings pages collect every decision nobody wanted to make. A few rules keep them usable.', 14],
];

/** Words for the generated titles of a large site. */
export const TITLE_PATTERNS = [
  'Notes on {s}',
  'A practical guide to {s}',
  'What I learned about {s}',
  'Revisiting {s}',
  'Common mistakes with {s}',
  'The case for {s}',
  'Debugging {s}',
  'Rethinking {s}',
  'A field guide to {s}',
  'Questions about {s}, answered',
];

export const SUBJECTS: string[][] = [
  ['closures', 'promises', 'the event loop', 'array methods', 'modules'],
  ['generics', 'union types', 'strict mode', 'type narrowing', 'declaration files'],
  ['streams', 'worker threads', 'graceful shutdown', 'ES modules in Node', 'environment configuration'],
  ['indexes', 'keyset pagination', 'schema design', 'optimistic locking', 'migrations'],
  ['page caching', 'compression', 'latency percentiles', 'HTTP caching', 'profiling'],
  ['CSRF protection', 'password hashing', 'Content-Security-Policy', 'safe uploads', 'rate limiting'],
  ['alt text', 'keyboard navigation', 'heading structure', 'accessible forms', 'colour contrast'],
  ['CSS grid', 'custom properties', 'responsive images', 'small-screen layouts', 'dark mode'],
  ['integration tests', 'test factories', 'browser tests', 'flaky tests', 'permission tests'],
  ['health checks', 'structured logging', 'zero-downtime deploys', 'backups', 'continuous integration'],
  ['typography', 'white space', 'empty states', 'design consistency', 'microcopy'],
  ['READMEs', 'commit messages', 'plain language', 'bug reports', 'developer blogging'],
];
