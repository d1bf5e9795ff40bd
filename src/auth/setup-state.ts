// Whether the first account exists. Until it does, every page leads to /setup. Once true it stays true
// (the last admin cannot be deleted), so after the first answer no request pays for the check.
import { memoValue } from '../http/content-memo.js';
import { User } from '../users/user.model.js';

// Only "complete" is kept: until the first account exists, each request asks (requests arriving together
// share one question).
const setup = memoValue(async () => (await User.exists({})) !== null, (complete) => complete);

/** True once the first account is known to exist (no waiting: false may only mean "not asked yet"). */
export function knownSetupComplete(): boolean {
  return setup.peek() === true;
}

export function isSetupComplete(): Promise<boolean> {
  return setup.get();
}

export function markSetupComplete(): void {
  setup.set(true);
}

/** Tests that empty the users collection call this so the next request looks again. */
export function forgetSetupState(): void {
  setup.forget();
}
