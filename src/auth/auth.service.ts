// Accounts and sign-in: creating accounts (sign-up, first-run setup, create-admin) and checking
// credentials. Plain values in and out; HTTP lives in auth.router.ts.
import { recordAudit } from '../site/audit.service.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { Invalid, NotFound, type FieldErrors } from '../http/errors.js';
import { LOOK_ALIKE_MESSAGE, lookAlikeOf } from '../users/look-alike.js';
import { User } from '../users/user.model.js';
import type { NewAccountInput } from '../users/user.fields.js';
import { burnEquivalentTime, hashCost, hashPassword, verifyPassword, type HashingFor } from '../users/password.js';
import { passwordProblems } from '../users/password-policy.js';
import type { Role } from '../site/permissions.js';
import { isSetupComplete, markSetupComplete } from './setup-state.js';

/** What a new session needs to know about the account. */
export interface SessionSubject {
  id: string;
  tokenVersion: number;
  displayName: string;
  role: Role;
}

const USERNAME_TAKEN = 'That username is taken.';
const EMAIL_TAKEN = 'An account with that email address already exists.';

/**
 * Creates an account after the password rules and the uniqueness of username and email. Uniqueness is
 * checked for a clear message, and again by the unique indexes for two sign-ups racing each other.
 *
 * The password is hashed BEFORE uniqueness is checked: asking whether an email has an account costs the
 * same hash (and takes the same time) as creating one, so the answer cannot be had cheaply or by timing.
 */
/** `emailVerified`: the way the account was made proves the address (setup, invitation, create-admin, seed). */
export async function createAccount(input: NewAccountInput & { role?: Role; emailVerified?: boolean }, by: HashingFor = []): Promise<SessionSubject> {
  const problems = passwordProblems(input.password, input);
  if (problems.length) throw new Invalid({ password: problems });

  const passwordHash = await hashPassword(input.password, hashCost(), by);
  const fields: FieldErrors = {};
  const [usernameTaken, emailTaken] = await Promise.all([User.exists({ username: input.username }), User.exists({ email: input.email })]);
  if (usernameTaken) fields.username = [USERNAME_TAKEN];
  if (emailTaken) fields.email = [EMAIL_TAKEN];
  // A new account may not pass for an existing one on bylines and comments ("Аdmin" with a Cyrillic А).
  if (await lookAlikeOf(input.displayName)) fields.displayName = [LOOK_ALIKE_MESSAGE];
  if (Object.keys(fields).length) throw new Invalid(fields);

  try {
    const user = await User.create({
      username: input.username,
      email: input.email,
      displayName: input.displayName,
      passwordHash,
      role: input.role ?? 'reader',
      ...(input.timeZone ? { timeZone: input.timeZone } : {}),
      ...(input.emailVerified ? { emailVerifiedAt: new Date() } : {}),
    });
    return { id: String(user._id), tokenVersion: user.tokenVersion, displayName: user.displayName, role: user.role as Role };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const field = await takenField(err, input);
    throw new Invalid({ [field]: [field === 'email' ? EMAIL_TAKEN : USERNAME_TAKEN] });
  }
}

// MongoDB names the index in keyPattern; FerretDB's E11000 names only the collection, so ask the data.
async function takenField(err: unknown, input: { username: string; email: string }): Promise<'username' | 'email'> {
  const pattern = (err as { keyPattern?: Record<string, unknown> }).keyPattern;
  if (pattern) return 'email' in pattern ? 'email' : 'username';
  const clash = await User.findOne({ $or: [{ username: input.username }, { email: input.email }] }, 'username').lean();
  return clash?.username === input.username ? 'username' : 'email';
}

/** Sign-up: a new reader, recorded in the audit log. `address`: the client's, for fair hashing. */
export async function signUp(input: NewAccountInput, ip?: string, address?: string): Promise<SessionSubject> {
  const user = await createAccount({ ...input, role: 'reader' }, address ? [`address:${address}`] : []);
  await recordAudit({
    actor: { id: user.id, displayName: user.displayName },
    action: 'user.signup',
    target: { type: 'user', id: user.id, label: input.username },
    ip,
  });
  return user;
}

// Two first-run setups submitted at the same moment must not both become admins: setups are queued in
// this process and each one checks again that no account exists.
let setupQueue: Promise<unknown> = Promise.resolve();

/** Creates the first account, an admin, while no account exists; afterwards there is no setup (404). */
export function createFirstAdmin(input: NewAccountInput, ip?: string): Promise<SessionSubject> {
  const run = setupQueue.then(async () => {
    if (await isSetupComplete()) throw new NotFound();
    const admin = await createAccount({ ...input, role: 'admin', emailVerified: true });
    // Setup signs the new admin in at once (auth.router.ts): record it, or the users page would show the
    // one account that has certainly signed in as "never signed in".
    await User.updateOne({ _id: admin.id }, { $set: { lastSignInAt: new Date() } });
    markSetupComplete();
    await recordAudit({
      actor: { id: admin.id, displayName: admin.displayName },
      action: 'user.setup',
      target: { type: 'user', id: admin.id, label: input.username },
      detail: 'First administrator created at /setup.',
      ip,
    });
    return admin;
  });
  setupQueue = run.catch(() => undefined);
  return run;
}

/** How a sign-in identifier (email or username) is compared: the way both are stored. */
export function normalizeIdentifier(identifier: string): string {
  return identifier.normalize('NFKC').trim().toLowerCase();
}

function findByIdentifier(identifier: string) {
  const key = normalizeIdentifier(identifier);
  // Usernames cannot contain '@', so the identifier names exactly one field.
  return User.findOne(key.includes('@') ? { email: key } : { username: key });
}

/**
 * The key under which failed sign-ins are counted for an account: its id when it exists, so that trying
 * the email and then the username does not double the allowance; the identifier itself otherwise.
 */
export async function accountLimitKey(identifier: string): Promise<string> {
  const found = await findByIdentifier(identifier).select('_id').lean();
  return found ? `user:${String(found._id)}` : `name:${normalizeIdentifier(identifier)}`;
}

export type SignInResult =
  /** `twoFactor`: the password was right, and the account asks for a second factor before a session. */
  | { outcome: 'signed-in'; user: SessionSubject; twoFactor: boolean }
  | { outcome: 'wrong-credentials' }
  | { outcome: 'suspended' };

/**
 * Checks an identifier and password. An unknown account and a wrong password give the same outcome
 * after the same work (one hash), so neither the answer nor its timing tells whether an account exists.
 * A suspended account is named only to someone who knows its password.
 *
 * `address` (the client's) and the account bound how many hashes may run or wait for each at once, and
 * the address is the lane of the fair hashing queue (password.ts): a flood from one address or against
 * one account gets 429s, not the queue.
 */
export async function authenticate(identifier: string, password: string, address?: string): Promise<SignInResult> {
  const user = await findByIdentifier(identifier).select('passwordHash status tokenVersion displayName role totpEnabledAt').lean();
  const account = user ? `account:user:${String(user._id)}` : `account:name:${normalizeIdentifier(identifier)}`;
  const by: HashingFor = address ? [`address:${address}`, account] : [account];
  if (!user) {
    await burnEquivalentTime(password, by);
    return { outcome: 'wrong-credentials' };
  }
  const { ok, needsRehash } = await verifyPassword(password, user.passwordHash, by);
  if (!ok) return { outcome: 'wrong-credentials' };
  if (user.status !== 'active') return { outcome: 'suspended' };

  const update: Record<string, unknown> = { lastSignInAt: new Date() };
  // The cost was raised since this hash was made: the password is at hand now, so store it at the new cost.
  if (needsRehash) update.passwordHash = await hashPassword(password, hashCost(), by);
  await User.updateOne({ _id: user._id }, { $set: update });
  return {
    outcome: 'signed-in',
    user: { id: String(user._id), tokenVersion: user.tokenVersion, displayName: user.displayName, role: user.role as Role },
    twoFactor: Boolean(user.totpEnabledAt),
  };
}

/** The account a pending sign-in names, if it is still active and its sessions were not ended since. */
export async function sessionSubjectFor(userId: string, tokenVersion: number): Promise<SessionSubject | null> {
  const user = await User.findById(userId, 'status tokenVersion displayName role').lean();
  if (!user || user.status !== 'active' || user.tokenVersion !== tokenVersion) return null;
  return { id: String(user._id), tokenVersion: user.tokenVersion, displayName: user.displayName, role: user.role as Role };
}

/**
 * Signing out ends this one token on the server too, so a copy of the cookie (from a shared computer, a
 * proxy log) stops working at once rather than when it expires. The user's list of revoked tokens keeps
 * only those not yet expired; a version bump (sign out everywhere, new password) empties it.
 */
export async function revokeSession(userId: string, jti: string, expiresAt: Date): Promise<void> {
  const user = await User.findById(userId, 'revokedSessions').lean();
  if (!user) return;
  const listed = user.revokedSessions ?? [];
  const live = listed.filter((r) => r.expiresAt.getTime() > Date.now());
  if (live.length < listed.length) {
    // Pruned only if nobody changed the list meanwhile; losing this race just leaves the pruning for next time.
    await User.updateOne({ _id: userId, revokedSessions: listed }, { $set: { revokedSessions: live } });
  }
  // $push is atomic: a concurrent sign-out on another device cannot overwrite this revocation.
  await User.updateOne({ _id: userId }, { $push: { revokedSessions: { jti, expiresAt } } });
}
