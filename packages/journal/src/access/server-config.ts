/**
 * The role table rendered as nats-server configuration: an `authorization`
 * block with one user per role instance, and a `tls` block. The text is
 * meant to be included in (or appended to) a server's config file.
 */
import { defaultLayout, type JournalLayout } from '../provision.js';
import { assertToken, rolePermissions, type Role } from './roles.js';

/**
 * One NATS user. It authenticates with a password or an nkey (give the
 * public key `U...` here; the seed stays with the client). Its inbox token is
 * `name` for a password user and the public key for an nkey user, which is
 * what `connectNats` uses by default for each.
 */
export type AccessUser =
  | { readonly name: string; readonly role: Role; readonly password: string }
  | { readonly role: Role; readonly nkey: string };

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA that client certificates must chain to (with `verify`). */
  readonly caFile?: string;
  /** Require and verify client certificates (mutual TLS). */
  readonly verify?: boolean;
}

/** A quoted string in nats-server's config syntax (JSON escapes; `$` inside quotes is literal). Pure. */
export function confString(value: string): string {
  return JSON.stringify(value);
}

const list = (items: readonly string[]) => `[${items.map(confString).join(', ')}]`;

/** The inbox token of a user: its name, or its nkey's public key. Pure. */
export function userToken(user: AccessUser): string {
  return 'nkey' in user ? assertToken(user.nkey, 'nkey') : assertToken(user.name, 'user name');
}

/** The `authorization { users = [...] }` block for these users. Pure. */
export function authorizationBlock(users: readonly AccessUser[], layout: JournalLayout = defaultLayout): string {
  const seen = new Set<string>();
  const lines = users.map((user) => {
    const token = userToken(user);
    if (seen.has(token)) throw new RangeError(`user ${token} is listed twice`);
    seen.add(token);
    const p = rolePermissions(user.role, token, layout);
    const identity = 'nkey' in user ? `nkey: ${confString(user.nkey)}` : `user: ${confString(user.name)}, password: ${confString(user.password)}`;
    const permissions =
      `publish: { allow: ${list(p.publish)} }, subscribe: { allow: ${list(p.subscribe)} }` +
      (p.allowResponses ? ', allow_responses: true' : '');
    return `    { ${identity}, permissions: { ${permissions} } }`;
  });
  return ['authorization {', '  users = [', ...lines, '  ]', '}'].join('\n');
}

/** The `tls { ... }` block: clients must speak TLS; with `verify`, present a certificate. Pure. */
export function tlsBlock(tls: TlsFiles): string {
  const lines = [`  cert_file: ${confString(tls.certFile)}`, `  key_file: ${confString(tls.keyFile)}`];
  if (tls.caFile) lines.push(`  ca_file: ${confString(tls.caFile)}`);
  if (tls.verify) lines.push('  verify: true');
  lines.push('  timeout: 2');
  return ['tls {', ...lines, '}'].join('\n');
}
