// Lint: typescript-eslint's recommended rules over src, test and scripts; no style rules (tsc and review cover them).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Import paths from a layer below the domains (and its subfolders) to everything above it. */
function aboveTheDomains() {
  const upper = ['auth', 'users', 'posts', 'media', 'comments', 'admin', 'cli'];
  const files = ['app.js', 'server.js', 'shared-signals.js', 'router-deps.js'];
  return [...upper.flatMap((d) => [`../${d}/*`, `../../${d}/*`]), ...files.flatMap((f) => [`../${f}`, `../../${f}`])];
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
    files: ['src/{auth,users,posts,media,comments,db}/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../admin/*', '../../admin/*', '../app.js', '../server.js', '../cli/*', '../../cli/*'], message: 'Only the admin pages, the app and the command-line tools sit above the domains.' }] }] },
  },
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
