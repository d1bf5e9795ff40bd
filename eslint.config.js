// Lint: typescript-eslint's recommended rules over src, test and scripts; no style rules (tsc and review cover them).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The domains, lowest first: each may import those before it, never those after it. Media knows nothing of
// who uploads or which posts use an image (it declares what it needs in media-usage.ts); users keep
// accounts and their avatars; auth signs them in; posts are written by users; static pages and the
// navigation menu link posts' tags; comments hang on posts
// (posts declare what they need of them in post-comments.ts); admin manages everything. src/wiring.ts
// provides the declared interfaces.
const DOMAINS = ['media', 'users', 'auth', 'posts', 'pages', 'comments', 'admin'];
/** What sits above every domain: the app, the server, the tools, the schema (every model, migrations). */
const TOP_FILES = ['app.js', 'server.js', 'shared-signals.js', 'router-deps.js', 'wiring.js'];
const TOP_FOLDERS = ['cli', 'schema'];

/** Import patterns that reach `folders` and `files` from anywhere in src (one or two levels down). */
function paths(folders, files = []) {
  return [...folders.flatMap((d) => [`../${d}/*`, `../../${d}/*`]), ...files.flatMap((f) => [`../${f}`, `../../${f}`])];
}

/** Import paths from a layer below the domains (and its subfolders) to everything above it. */
function aboveTheDomains() {
  return paths([...DOMAINS, ...TOP_FOLDERS], TOP_FILES);
}

/** One rule per domain: nothing from the domains after it, nor from above the domains. */
function domainRules() {
  return DOMAINS.map((domain, i) => {
    const later = DOMAINS.slice(i + 1);
    return {
      files: [`src/${domain}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              ...(later.length ? [{ group: paths(later), message: `src/${domain} sits below ${later.join(', ')}: declare what it needs in an interface of its own and provide it in src/wiring.ts.` }] : []),
              // router-deps.ts is the routers' declared interface: routers may import its types.
              { group: paths(TOP_FOLDERS, TOP_FILES.filter((f) => f !== 'router-deps.js')), message: 'Only the app, the server and the command-line tools sit above the domains.' },
            ],
          },
        ],
      },
    };
  });
}

export default tseslint.config(
  { ignores: ['dist/**', 'dist.*/**', 'public/build/**', 'public/build.*/**', 'node_modules/**', 'data/**', 'uploads/**', 'test-results/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Layers (arrows point down only): server/cli -> app -> domain routers -> services -> models -> db, with
  // http/ (errors, validation, CSRF, views, caches) and site/ (settings, audit log, health, change feed)
  // below the domains. These rules fail the lint when an import points up.
  {
    files: ['src/http/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: [...aboveTheDomains(), '../site/*'], message: 'src/http sits below the domains and the site services: pass what it needs in from createApp.' }] }] },
  },
  {
    files: ['src/site/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: aboveTheDomains(), message: 'src/site sits below the domains: a domain uses the site services, never the other way round.' }] }] },
  },
  {
    files: ['src/db/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: [...aboveTheDomains(), '../http/*', '../site/*'], message: 'src/db is the bottom layer: connections, engines and the change bus only.' }] }] },
  },
  {
    files: ['src/mail/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: [...aboveTheDomains(), '../site/*'], message: 'src/mail sits below the domains: services hand it plain messages.' }] }] },
  },
  ...domainRules(),
  {
    files: ['public/js/**/*.js'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'script' },
  },
  // The editor is ES modules, bundled by scripts/build.mjs.
  {
    files: ['public/js/editor/**/*.js'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'module' },
  },
);
