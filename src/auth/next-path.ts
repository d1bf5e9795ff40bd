// Where to go after signing in: only a path on this site. `?next=` is attacker-controlled (a link in a
// phishing mail), so anything that a browser could read as another host is replaced by '/':
// `//evil.example` and `/\evil.example` (browsers treat '\' as '/'), `https://evil.example`, and
// control characters or whitespace (browsers drop tabs and newlines, so `/\t/evil.example` becomes
// `//evil.example`).
const SAME_SITE_PATH = /^\/(?![/\\])[^\\\s\p{Cc}]*$/u;
const MAX_LENGTH = 2000;

export function safeNextPath(candidate: unknown): string {
  if (typeof candidate !== 'string' || candidate.length > MAX_LENGTH || !SAME_SITE_PATH.test(candidate)) return '/';
  // Second opinion from the URL parser: resolved against a stand-in origin it must stay on it.
  const base = 'http://quire.invalid';
  let url: URL;
  try {
    url = new URL(candidate, base);
  } catch {
    return '/';
  }
  if (url.origin !== base) return '/';
  return url.pathname + url.search + url.hash;
}
