// The account fields as zod schemas, shared by sign-up, setup, the account page and create-admin, so a
// username or an email is normalized (trimmed, lower-cased) the same way everywhere it is read.
// Each one accepts only a string: an operator object from `email[$ne]=x` or a JSON body fails here.
import { z } from 'zod';
import { MAX_PASSWORD_BYTES, isPasswordTooLong, passwordProblems } from './password-policy.js';
import { cleanLine, cleanLines } from '../http/validate.js';
import { canonicalTimeZone } from '../http/time-zones.js';

// Names pass through cleanLine first (NFKC, no invisible or direction-changing characters), so that what
// is stored is what is seen: "ａｄｍｉｎ" is "admin", and "ad<zero-width space>min" is "admin" too.
export const usernameField = z
  .string({ error: 'Choose a username.' })
  .transform(cleanLine)
  .pipe(
    z
      .string()
      .toLowerCase()
      .min(3, 'Usernames have at least 3 characters.')
      .max(30, 'Usernames have at most 30 characters.')
      .regex(/^[a-z0-9_-]+$/, 'Use only letters, digits, "-" and "_".'),
  );

export const emailField = z
  .string({ error: 'Enter your email address.' })
  .trim()
  .toLowerCase()
  .min(1, 'Enter your email address.')
  .max(254, 'Email addresses have at most 254 characters.')
  .pipe(z.email({ error: 'Enter a valid email address.' }));

/** A name made only of invisible characters is empty after cleaning, and refused. (Look-alikes of other
 * users' names are refused by the services, which can see the other names: users/look-alike.ts.) */
export const displayNameField = z
  .string({ error: 'Enter a display name.' })
  .transform(cleanLine)
  .pipe(z.string().min(1, 'Enter a display name.').max(80, 'Display names have at most 80 characters.'));

export const bioField = z
  .string({ error: 'The bio must be text.' })
  .transform(cleanLines)
  .pipe(z.string().max(2000, 'The bio has at most 2000 characters.'))
  .default('');

/**
 * A password as typed: never trimmed (spaces are part of it). The rules themselves (password-policy.ts)
 * run in the service, which knows the account the password must not resemble.
 */
export const passwordField = z
  .string({ error: 'Enter a password.' })
  .min(1, 'Enter a password.')
  .refine((p) => !isPasswordTooLong(p), `Passwords have at most ${MAX_PASSWORD_BYTES} bytes.`);

/** An IANA time zone chosen from the account page's list, stored under its canonical name. */
export const timeZoneField = z
  .string({ error: 'Choose a time zone.' })
  .trim()
  .transform((name, ctx) => {
    const zone = canonicalTimeZone(name);
    if (!zone) {
      ctx.addIssue({ code: 'custom', message: 'Choose a time zone from the list.' });
      return z.NEVER;
    }
    return zone;
  });

/**
 * The zone a sign-up form's script read from the browser (public/js/time-zone.js), kept when it is one
 * this server knows. Anything else is dropped rather than refused: nobody typed it, and a browser whose
 * zone data is newer than the server's must not be kept from signing up. Absent means the site's zone.
 */
export const browserTimeZoneField = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' && v ? canonicalTimeZone(v) : undefined));

export const newAccountForm = z
  .object({
    username: usernameField,
    email: emailField,
    displayName: displayNameField,
    password: passwordField,
    timeZone: browserTimeZoneField,
  })
  // The password rules here too (createAccount applies them again), so that one answer lists every
  // problem: an invalid email and a common password together, not one after the other. zod runs this
  // even when a field failed, so each value is checked for being a string first.
  .superRefine((value, ctx) => {
    const v = value as Record<string, unknown>;
    if (typeof v.password !== 'string' || v.password === '' || isPasswordTooLong(v.password)) return;
    const text = (key: string) => (typeof v[key] === 'string' ? (v[key] as string) : undefined);
    const problems = passwordProblems(v.password, { username: text('username'), email: text('email'), displayName: text('displayName') });
    for (const message of problems) ctx.addIssue({ code: 'custom', path: ['password'], message });
  });
/** The form's output; timeZone optional, for callers that make accounts without a browser (CLI, invitations). */
export type NewAccountInput = Omit<z.infer<typeof newAccountForm>, 'timeZone'> & { timeZone?: string };
