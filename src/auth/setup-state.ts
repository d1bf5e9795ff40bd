// Whether the first account exists. Until it does, every page leads to /setup. Once true it stays true
// (the last admin cannot be deleted), so after the first answer no request pays for the check.
import { User } from '../users/user.model.js';

let complete = false;

/** True once the first account is known to exist (no waiting: false may only mean "not asked yet"). */
export function knownSetupComplete(): boolean {
  return complete;
}

export async function isSetupComplete(): Promise<boolean> {
  if (complete) return true;
  complete = (await User.exists({})) !== null;
  return complete;
}

export function markSetupComplete(): void {
  complete = true;
}

/** Tests that empty the users collection call this so the next request looks again. */
export function forgetSetupState(): void {
  complete = false;
}
