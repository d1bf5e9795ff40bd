// Display names that impersonate: "Аdmin" with a Cyrillic А, "ADMIN", "Admín" or "a d m i n" all read as
// the admin's name on a byline or a comment. A display name is refused when its confusable skeleton equals
// the skeleton of another user's display name or username.
//
// The skeleton: NFKC (compatibility forms folded), case folded, marks stripped (after NFD), separators
// removed, common Cyrillic and Greek look-alikes and digit/letter confusions mapped to Latin letters. It is
// a small subset of Unicode's confusables table (UTS #39), chosen for the scripts most used to
// impersonate in Latin text; letters of other scripts that resemble Latin ones are not all covered.
import mongoose from 'mongoose';
import { User } from './user.model.js';

const CONFUSABLES: Record<string, string> = {
  // Cyrillic (lower case; upper case is folded first)
  а: 'a', в: 'b', е: 'e', ё: 'e', з: '3', һ: 'h', і: 'i', ї: 'i', ј: 'j', к: 'k', м: 'm', н: 'h', о: 'o', п: 'n',
  р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', ь: 'b', г: 'r',
  // Greek
  α: 'a', β: 'b', ε: 'e', ζ: 'z', η: 'n', ι: 'i', κ: 'k', μ: 'u', ν: 'v', ο: 'o', ρ: 'p', σ: 'o', ς: 'c',
  τ: 't', υ: 'u', χ: 'x', ω: 'w',
  // Latin and digits that pass for other letters
  ı: 'i', ȷ: 'j', ɡ: 'g', ɑ: 'a', '0': 'o', '1': 'l', '|': 'l', '5': 's', $: 's', '@': 'a',
};

/** The form under which two names that look alike are equal. */
export function skeleton(name: string): string {
  const folded = name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
  let out = '';
  for (const ch of folded) out += CONFUSABLES[ch] ?? ch;
  // Separators do not tell names apart ("John Smith", "john_smith", "john.smith"); "rn" reads as "m", "vv" as "w".
  return out.replace(/[\s_.\-'’·•]+/gu, '').replace(/rn/g, 'm').replace(/vv/g, 'w').replace(/i/g, 'l');
}

/**
 * Another user whose display name or username looks like `displayName` (by skeleton), if any. Reads
 * every user's two names (a projection; FerretDB scans the table for any filter but `_id` anyway).
 */
export async function lookAlikeOf(displayName: string, exceptUserId?: string): Promise<{ displayName: string; username: string } | null> {
  const wanted = skeleton(displayName);
  if (!wanted) return null;
  const filter = exceptUserId && mongoose.isValidObjectId(exceptUserId) ? { _id: mongoose.trusted({ $ne: new mongoose.Types.ObjectId(exceptUserId) }) } : {};
  for await (const user of User.find(filter, 'displayName username').lean().cursor()) {
    if (skeleton(user.displayName) === wanted || skeleton(user.username) === wanted) return { displayName: user.displayName, username: user.username };
  }
  return null;
}

export const LOOK_ALIKE_MESSAGE = 'That display name looks too much like another member’s name. Choose one that is clearly yours.';
