// npm run seed [-- --posts N] [--quiet] [--credentials FILE] [--force]
// Demo content in the configured database: an account of each role (passwords printed once, when the
// account is created), twelve tags with generated cover images, about sixty articles, a few drafts and
// scheduled posts. --posts N tops the site up to N public posts with generated ones (100,000 in minutes).
// Refuses under NODE_ENV=production unless --force. Running it again adds only what is missing.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { configuredStorage } from '../media/storage-choice.js';
import { indexFilePath, keepIndexFile, warmPostsSnapshots } from '../posts/posts-snapshot.js';
import { readModelFor } from '../posts/read-model-choice.js';
import { runCli } from './run.js';
import { seed, type SeedReport } from './seed/seed.js';

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      posts: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      credentials: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const posts = values.posts === undefined ? undefined : Number(values.posts.replace(/[_,]/g, ''));
  if (posts !== undefined && (!Number.isInteger(posts) || posts < 0)) throw new Error(`--posts takes a whole number (got ${JSON.stringify(values.posts)}).`);
  return { posts, quiet: values.quiet, credentials: values.credentials, force: values.force };
}

function summary(report: SeedReport): string {
  if (report.unchanged) return 'Nothing to do: the demo content is already there.';
  const a = report.added;
  const parts = [
    [a.users, 'account'],
    [a.covers, 'cover image'],
    [a.articles, 'article'],
    [a.drafts, 'draft'],
    [a.scheduled, 'scheduled post'],
    [a.generated, 'generated post'],
  ] as const;
  return `Added ${parts.filter(([n]) => n > 0).map(([n, what]) => `${n.toLocaleString('en')} ${what}${n === 1 ? '' : 's'}`).join(', ')}.`;
}

/** Which admin the demo site has, when it is not one created in this run (those are in the table). */
export function existingAdminLine(report: SeedReport): string | null {
  if (report.admin.password) return null;
  return `Admin: the existing account ${report.admin.username} (${report.admin.email}), password unchanged; no other admin was added.`;
}

function credentialsTable(report: SeedReport): string | null {
  const created = report.users.filter((u) => u.password);
  if (created.length === 0) return null;
  const rows = created.map((u) => [u.role, u.username, u.email, u.password!]);
  const header = ['role', 'username', 'email', 'password'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [
    'Demo accounts (the passwords are shown this once; keep them if you need them):',
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

/** {role: {username, email, password}} for the accounts created in this run, readable by its owner only. */
export function writeCredentials(file: string, report: SeedReport): void {
  const created = Object.fromEntries(report.users.filter((u) => u.password).map((u) => [u.role, { username: u.username, email: u.email, password: u.password }]));
  writeFileSync(file, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
}

async function main(): Promise<void> {
  await runCli(async ({ config, logger, feed, facts }) => {
    const options = parseOptions(process.argv.slice(2));
    const say = (message: string) => {
      if (!options.quiet) console.log(message);
    };
    const report = await seed({
      config,
      logger,
      storage: configuredStorage(config),
      posts: options.posts,
      force: options.force,
      progress: say,
    });
    if (options.credentials) writeCredentials(options.credentials, report);
    // On an engine without indexed queries, servers start from the index file of the last scan
    // (posts-snapshot.ts): the seed leaves one that matches what it wrote, so the next start need not
    // scan the posts (about 20 s at 100,000 posts on FerretDB).
    if (readModelFor(facts.indexedQueries) === 'memory') {
      keepIndexFile({ path: indexFilePath(config.dataDir, mongoose.connection.name), stamp: () => feed.stamp('posts') });
      await warmPostsSnapshots({ fromFile: false });
    }
    const table = credentialsTable(report);
    // The passwords are printed even with --quiet unless they went to a file: otherwise they would be lost.
    if (table && (!options.quiet || !options.credentials)) console.log(`\n${table}\n`);
    const admin = existingAdminLine(report);
    if (admin) say(admin);
    say(summary(report));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
