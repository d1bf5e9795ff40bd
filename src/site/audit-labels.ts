// How the audit log reads to a person: "Suspended user", not `user.suspend`; "127.0.0.1 (this machine)",
// not `::ffff:127.0.0.1`. The stored entries keep their codes and raw addresses (filters and exports use
// them); only the page shows these.
const ACTION_LABELS: Record<string, string> = {
  'user.setup': 'Set up the site',
  'user.create-admin': 'Created an admin (command line)',
  'user.signup': 'Signed up',
  'user.profile': 'Changed profile',
  'user.avatar': 'Changed avatar',
  'user.password': 'Changed password',
  'user.password-reset': 'Reset password by email',
  'user.email-verified': 'Confirmed email address',
  'user.signout-everywhere': 'Signed out everywhere',
  'user.role': 'Changed role',
  'user.suspend': 'Suspended user',
  'user.reactivate': 'Reactivated user',
  'user.signout': 'Signed user out everywhere',
  'user.delete': 'Deleted user',
  'user.2fa-enable': 'Turned on two-factor sign-in',
  'user.2fa-disable': 'Turned off two-factor sign-in',
  'user.2fa-reset': 'Reset two-factor sign-in',
  'invitation.create': 'Sent an invitation',
  'invitation.accept': 'Accepted an invitation',
  'invitation.revoke': 'Revoked an invitation',
  'post.publish': 'Published post',
  'post.unpublish': 'Unpublished post',
  'post.delete': 'Deleted post',
  'media.delete': 'Deleted image',
  'comment.delete': 'Deleted comment',
  'settings.update': 'Changed settings',
};

/** A readable name for an action code; codes not listed (added later) read as their words. */
export function auditActionLabel(action: string): string {
  const known = ACTION_LABELS[action];
  if (known) return known;
  const words = action.replace(/[.-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * An address as people read it: IPv4 addresses that Node reports in IPv6 form (`::ffff:203.0.113.7`)
 * shown as IPv4, and the loopback addresses (`::1`, `127.x`) as "127.0.0.1 (this machine)": a request
 * from the server itself, or from a reverse proxy on it when TRUST_PROXY is not set.
 */
export function readableAddress(ip: string): string {
  if (!ip) return '';
  const address = MAPPED_IPV4.exec(ip)?.[1] ?? ip;
  if (address === '::1' || /^127\./.test(address)) return `${address === '::1' ? '127.0.0.1' : address} (this machine)`;
  return address;
}
