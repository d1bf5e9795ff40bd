// Where to go after signing in: only a path on this site. `?next=` is attacker-controlled (a link in a
// phishing mail), so anything that a browser could read as another host is replaced by '/'.
//
// The decision is made on the URL as a browser will see it, after normalisation, not on the text sent:
// `next` is resolved against a fixed stand-in origin by the WHATWG URL parser (the one browsers use), which
// removes dot segments (`/a/..//evil`, `/%2e%2e//evil`), tabs and newlines, and the result must stay on
// that origin; what is redirected to is the normalised path, query and fragment, which must then begin
// with exactly one '/' (a Location of `//evil` or `/\evil` is another host to a browser).
// The text sent is also held to a conservative shape first (a path, no backslashes, whitespace or control
// characters), so that no parser difference between us and a browser can be reached at all.
const PLAUSIBLE_PATH = /^\/(?![/\\])[^\\\s\p{Cc}]*$/u;
const SAME_SITE_RESULT = /^\/(?![/\\])[^\\\s\p{Cc}]*$/u;
const BASE = 'http://quire.invalid';
const MAX_LENGTH = 2000;

export function safeNextPath(candidate: unknown): string {
  if (typeof candidate !== 'string' || candidate.length > MAX_LENGTH || !PLAUSIBLE_PATH.test(candidate)) return '/';
  let url: URL;
  try {
    url = new URL(candidate, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  const target = url.pathname + url.search + url.hash;
  return SAME_SITE_RESULT.test(target) ? target : '/';
}
