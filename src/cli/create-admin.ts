// npm run create-admin [-- --username ada --email ada@example.org --display-name "Ada" --password ...]
// Creates an administrator from a terminal: the first account instead of /setup, or another admin later
// (for instance when the only admin lost their password). Missing values are asked for on a terminal,
// the password without echo. The same rules apply as on the web: a weak password is refused.
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { recordAudit } from '../site/audit.service.js';
import { createAccount } from '../auth/auth.service.js';
import { Invalid } from '../http/errors.js';
import { parse } from '../http/validate.js';
import { newAccountForm } from '../users/user.fields.js';
import { runCli } from './run.js';

export interface CreateAdminOptions {
  username: string;
  email: string;
  displayName: string;
  password: string;
}

/** Creates an admin account; throws Invalid (with per-field messages) when a value is refused. */
export async function createAdmin(options: CreateAdminOptions): Promise<{ id: string; username: string }> {
  const input = parse(newAccountForm, options);
  const admin = await createAccount({ ...input, role: 'admin', emailVerified: true });
  await recordAudit({
    actor: null,
    action: 'user.create-admin',
    target: { type: 'user', id: admin.id, label: input.username },
    detail: 'Administrator created with npm run create-admin.',
  });
  return { id: admin.id, username: input.username };
}

/** Invalid's field messages as lines a terminal user can act on. */
export function describeRefusal(err: Invalid): string {
  const flags: Record<string, string> = { displayName: 'display-name' };
  return Object.entries(err.fields)
    .map(([field, messages]) => `  --${flags[field] ?? field}: ${messages.join(' ')}`)
    .join('\n');
}

async function ask(question: string, hidden = false): Promise<string> {
  let muted = false;
  // Echo goes through this stream; while the password is typed it writes nothing.
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = rl.question(question);
    muted = hidden;
    return await answer;
  } finally {
    rl.close();
    if (hidden) process.stdout.write('\n');
  }
}

async function gatherOptions(argv: string[]): Promise<CreateAdminOptions> {
  const { values } = parseArgs({
    args: argv,
    options: {
      username: { type: 'string' },
      email: { type: 'string' },
      'display-name': { type: 'string' },
      password: { type: 'string' },
    },
    strict: true,
  });
  const given = {
    username: values.username,
    email: values.email,
    displayName: values['display-name'],
    password: values.password,
  };
  const missing = Object.entries(given).filter(([, v]) => v === undefined);
  if (missing.length && !process.stdin.isTTY) {
    const names = missing.map(([k]) => `--${k === 'displayName' ? 'display-name' : k}`).join(', ');
    throw new Error(`Missing ${names} (and no terminal to ask on).`);
  }
  const username = given.username ?? (await ask('Username: '));
  const email = given.email ?? (await ask('Email: '));
  const displayName = given.displayName ?? (await ask(`Display name [${username}]: `));
  let password = given.password;
  if (password === undefined) {
    password = await ask('Password (not shown): ', true);
    if ((await ask('Password again: ', true)) !== password) throw new Error('The two passwords differ.');
  }
  return { username, email, displayName: displayName || username, password };
}

async function main(): Promise<void> {
  await runCli(async () => {
    const options = await gatherOptions(process.argv.slice(2));
    try {
      const admin = await createAdmin(options);
      console.log(`Administrator @${admin.username} created. Sign in at /signin.`);
    } catch (err) {
      if (err instanceof Invalid) throw new Error(`The account was not created:\n${describeRefusal(err)}`);
      throw err;
    }
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
