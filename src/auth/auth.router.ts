// Accounts over HTTP: first-run setup, sign-up, sign-in and sign-out. CSRF is checked globally
// (http/csrf.ts) before any of these handlers, anonymous forms included.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { getSettings } from '../site/settings.service.js';
import type { RouterDeps } from '../router-deps.js';
import { Forbidden, Invalid, NotFound } from '../http/errors.js';
import { form, inputOf, queryOf, validate, validateQuery } from '../http/validate.js';
import { noStoreNoIndex } from '../http/no-store.js';
import { newAccountForm } from '../users/user.fields.js';
import { SIGN_UP_TAKEN, clientAddressKey, signInLimits, signUpLimits } from './attempt-limits.js';
import { AttemptStore } from './attempt-store.js';
import { accountLimitKey, authenticate, createFirstAdmin, revokeSession, signUp, type SessionSubject } from './auth.service.js';
import { deliverInBackground } from '../mail/deliver.js';
import { sendVerificationMail } from './email-verification.service.js';
import { safeNextPath } from './next-path.js';
import { setPendingCookie } from './pending-sign-in.js';
import { PASSWORD_HINT, isPasswordTooLong } from '../users/password-policy.js';
import { SESSION_COOKIE, clearSessionCookie, setSessionCookie, verifySession } from './session.js';
import { isSetupComplete } from './setup-state.js';

const signInForm = z.object({
  identifier: z
    .string({ error: 'Enter your email or username.' })
    .trim()
    .min(1, 'Enter your email or username.')
    .max(254, 'That is longer than any email or username.'),
  password: z
    .string({ error: 'Enter your password.' })
    .min(1, 'Enter your password.')
    // The same measure as the password rules (the normalized form), so every accepted password signs in.
    .refine((p) => !isPasswordTooLong(p), 'That is longer than any password here.'),
});

/** `?next=` on the sign-in page: one path at most (safeNextPath then keeps it same-site). */
const nextQuery = z.object({ next: z.string().max(2048).optional().catch(undefined) });

export const WRONG_CREDENTIALS = 'The email/username or password is incorrect.';
const SUSPENDED = 'This account is suspended. Please contact the site administrator.';

export function authRouter(deps: RouterDeps): Router {
  const router = Router();
  const { config, keys } = deps;
  // Counted in the database: every process on it (and every app in one test file) shares the counters.
  const attempts = new AttemptStore();
  const signInAttempts = signInLimits(attempts, (req) => accountLimitKey(String((req.body as { identifier?: unknown }).identifier)));
  const signUpAttempts = signUpLimits(attempts);
  const deliver = deliverInBackground(deps.mailer, deps.logger);

  // Account pages carry CSRF tokens and personal input: never cached, never indexed.
  router.use(['/setup', '/signup', '/signin', '/signout'], noStoreNoIndex);
  router.get('/setup', setupOpen, showSetup);
  router.post('/setup', setupOpen, form('auth/setup', setupPage), validate(newAccountForm), setUp);
  router.get('/signup', anonymousOnly, signUpOpen, showSignUp);
  router.post('/signup', anonymousOnly, signUpOpen, form('auth/signup', signUpPage), validate(newAccountForm), ...signUpAttempts, signUpFromForm);
  router.get('/signin', anonymousOnly, validateQuery(nextQuery), showSignIn);
  router.post('/signin', anonymousOnly, validateQuery(nextQuery), form('auth/signin', signInPage), validate(signInForm), ...signInAttempts, signInFromForm);
  router.post('/signout', signOut);
  return router;

  function startSession(res: Response, user: SessionSubject) {
    setSessionCookie(res, { sub: user.id, ver: user.tokenVersion }, keys.session, config.secureCookies);
    // A new CSRF secret with the new session, as Django rotates its token at login: a token planted
    // or seen before signing in is worthless afterwards (it is also bound to the session it was made for).
    res.rotateCsrf();
  }

  async function setUp(req: Request, res: Response) {
    const admin = await createFirstAdmin(inputOf(newAccountForm, res), req.ip);
    startSession(res, admin);
    res.flash('success', 'Welcome to Quire. Your administrator account is ready.');
    res.redirect(303, '/admin');
  }

  async function signUpFromForm(req: Request, res: Response) {
    const user = await signUp(inputOf(newAccountForm, res), req.ip, clientAddressKey(req)).catch((err: unknown) => {
      // "Taken" is the answer that tells about other accounts: it counts toward the refused sign-ups.
      if (err instanceof Invalid && ('username' in err.fields || 'email' in err.fields)) res.locals[SIGN_UP_TAKEN] = true;
      throw err;
    });
    startSession(res, user);
    const site = await getSettings();
    if (site.verifyEmailOnSignup) {
      await sendVerificationMail(user.id, { siteUrl: config.siteUrl, siteTitle: site.title, deliver });
      res.flash('success', `Welcome, ${user.displayName}. We have sent you a link to confirm your email address: open it to start commenting.`);
    } else {
      res.flash('success', `Welcome, ${user.displayName}. Your account is ready.`);
    }
    res.redirect(303, '/');
  }

  async function signInFromForm(req: Request, res: Response) {
    const { identifier, password } = inputOf(signInForm, res);
    const result = await authenticate(identifier, password, clientAddressKey(req));
    if (result.outcome !== 'signed-in') {
      // The form again, with one message whether the account is unknown or the password wrong.
      const status = result.outcome === 'suspended' ? 403 : 401;
      res.status(status).render('auth/signin', {
        ...signInPage(req, res),
        values: { identifier },
        formError: result.outcome === 'suspended' ? SUSPENDED : WRONG_CREDENTIALS,
      });
      return;
    }
    if (result.twoFactor) {
      // The password was right; the session waits for the second factor (two-factor.router.ts).
      setPendingCookie(res, { sub: result.user.id, ver: result.user.tokenVersion, next: signInPage(req, res).next }, keys.pendingSignIn, config.secureCookies);
      res.redirect(303, '/signin/2fa');
      return;
    }
    startSession(res, result.user);
    res.redirect(303, signInPage(req, res).next);
  }

  async function signOut(req: Request, res: Response) {
    const token: unknown = req.cookies?.[SESSION_COOKIE];
    const session = req.user && typeof token === 'string' ? verifySession(token, keys.session) : undefined;
    if (session) await revokeSession(session.sub, session.jti, session.expiresAt);
    clearSessionCookie(res, config.secureCookies);
    res.rotateCsrf();
    res.flash('info', 'You are signed out.');
    res.redirect(303, '/');
  }
}

/** Setup exists only while no user does. */
const setupOpen: RequestHandler = async (_req, _res, next) => {
  if (await isSetupComplete()) throw new NotFound();
  next();
};

const anonymousOnly: RequestHandler = (req, res, next) => {
  if (req.user) return res.redirect(303, '/');
  next();
};

const signUpOpen: RequestHandler = async (_req, _res, next) => {
  if (!(await getSettings()).signupOpen) throw new Forbidden('Sign-up is closed on this site. An administrator can create accounts.');
  next();
};

function setupPage() {
  return { title: 'Set up Quire', passwordHint: PASSWORD_HINT };
}

function showSetup(_req: Request, res: Response) {
  res.render('auth/setup', setupPage());
}

function signUpPage() {
  return { title: 'Sign up', passwordHint: PASSWORD_HINT };
}

function showSignUp(_req: Request, res: Response) {
  res.render('auth/signup', signUpPage());
}

/** Where to go after signing in: `next` from the form or the query, same-site only (safeNextPath). */
function signInPage(req: Request, res: Response) {
  return { title: 'Sign in', next: safeNextPath((req.body as { next?: unknown } | undefined)?.next ?? queryOf(nextQuery, res).next) };
}

function showSignIn(req: Request, res: Response) {
  res.render('auth/signin', signInPage(req, res));
}
