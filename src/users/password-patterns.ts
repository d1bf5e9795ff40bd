// How long a password is once its predictable parts are counted for what they are worth, after zxcvbn's
// repeat, sequence and spatial matchers: "qwertyuiop" is about one character to a guesser, not ten.
//
// The password (already normalized, lower-cased, without spaces or invisible characters) is split into
// plain characters, each counting 1, and runs, each counting little:
// - a sequence: 4 or more characters whose code points step by the same amount, 1 to 5 either way
//   ("abcd", "9876", "acegi", in any script), counting 1;
// - a keyboard run: 4 or more keys each next to the one before on a QWERTY, QWERTZ or AZERTY keyboard
//   ("qwer", "asdf", "1q2w3e", "zaq1"), counting 1;
// - a repeat: a unit typed twice or more ("aaaa", "abcabcabc", "2020"), counting as its unit plus one.
// Runs of 3 are left alone: they occur in ordinary words ("pow-er", "fir-st") and, by chance, in one
// random password in eight. The cheapest split is found by dynamic programming.

const MAX_STEP = 5;
const MIN_RUN = 4;

/** Rows of a keyboard, unshifted then shifted, with each row's offset in key widths from the left. */
type Layout = Array<{ keys: string[]; offset: number }>;

const QWERTY: Layout = [
  { keys: ['`1234567890-=', '~!@#$%^&*()_+'], offset: 0 },
  { keys: ['qwertyuiop[]\\', 'QWERTYUIOP{}|'], offset: 1.5 },
  { keys: ["asdfghjkl;'", 'ASDFGHJKL:"'], offset: 1.75 },
  { keys: ['zxcvbnm,./', 'ZXCVBNM<>?'], offset: 2.25 },
];
const QWERTZ: Layout = [
  { keys: ['1234567890'], offset: 1 },
  { keys: ['qwertzuiopü'], offset: 1.5 },
  { keys: ['asdfghjklöä'], offset: 1.75 },
  { keys: ['<yxcvbnm,.-'], offset: 1.25 },
];
const AZERTY: Layout = [
  { keys: ['²&é"\'(-è_çà)=', '²1234567890°+'], offset: 0 },
  { keys: ['azertyuiop^$'], offset: 1.5 },
  { keys: ['qsdfghjklmù*'], offset: 1.75 },
  { keys: ['<wxcvbn,;:!'], offset: 1.25 },
];

type Positions = Map<string, Array<{ row: number; x: number }>>;

function positions(layout: Layout): Positions {
  const map: Positions = new Map();
  layout.forEach(({ keys, offset }, row) => {
    for (const variant of keys) {
      [...variant].forEach((ch, i) => {
        const list = map.get(ch.toLowerCase()) ?? [];
        list.push({ row, x: i + offset });
        map.set(ch.toLowerCase(), list);
      });
    }
  });
  return map;
}

const LAYOUTS = [QWERTY, QWERTZ, AZERTY].map(positions);

/** Two different keys that touch: side by side in a row, or overlapping in the row above or below. */
function adjacent(layout: Positions, a: string, b: string): boolean {
  if (a === b) return false;
  for (const p of layout.get(a) ?? []) {
    for (const q of layout.get(b) ?? []) {
      const dy = Math.abs(p.row - q.row);
      const dx = Math.abs(p.x - q.x);
      if ((dy === 0 && dx === 1) || (dy === 1 && dx < 1)) return true;
    }
  }
  return false;
}

/**
 * For each position, where the run starting there ends (exclusive), given whether each character
 * continues the run of the one before it.
 */
function runEnds(n: number, continues: (k: number) => boolean): number[] {
  const ends = new Array<number>(n).fill(n);
  for (let k = n - 2; k >= 0; k--) ends[k] = continues(k + 1) ? ends[k + 1]! : k + 1;
  return ends;
}

/** The password's length with each predictable run counted as (about) one character; see above. */
export function predictableLength(password: string): number {
  const chars = [...password];
  const codes = chars.map((c) => c.codePointAt(0)!);
  const n = chars.length;
  const step = (k: number) => codes[k]! - codes[k - 1]!;
  // A sequence continues at k when the step into k is the step into k-1, and small.
  const sequenceEnds = runEnds(n, (k) => k >= 2 && step(k) === step(k - 1) && step(k) !== 0 && Math.abs(step(k)) <= MAX_STEP);
  const keyboardEnds = LAYOUTS.map((layout) => runEnds(n, (k) => adjacent(layout, chars[k - 1]!, chars[k]!)));
  // For a unit of L characters: where the stretch in which each character equals the one L before ends.
  const copyEnds = [[] as number[]];
  for (let unit = 1; 2 * unit <= n; unit++) copyEnds.push(runEnds(n, (k) => k >= unit && chars[k] === chars[k - unit]));
  const cost = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let best = 1 + cost[i + 1]!;
    // A run starting at i takes any prefix of 4 or more of the longest run there. The sequence run at
    // i starts one earlier than where its steps are recorded (i+1 has the first step).
    const runs = [Math.min(n, i + 1 < n ? sequenceEnds[i + 1]! : n), ...keyboardEnds.map((ends) => ends[i]!)];
    for (const end of runs) {
      for (let e = i + MIN_RUN; e <= end; e++) best = Math.min(best, 1 + cost[e]!);
    }
    // Repeats of a unit of `unit` characters starting at i: the unit, then whole copies (and the end of
    // the longest repeat, which may stop inside a copy).
    for (let unit = 1; i + 2 * unit <= n; unit++) {
      const end = chars[i + unit] === chars[i] ? copyEnds[unit]![i + unit]! : i + unit;
      for (let e = i + 2 * unit; e <= end; e += unit) best = Math.min(best, unit + 1 + cost[e]!);
      if (end >= i + 2 * unit) best = Math.min(best, unit + 1 + cost[end]!);
    }
    cost[i] = best;
  }
  return cost[0]!;
}
