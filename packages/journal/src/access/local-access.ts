/**
 * Access to a single-node system's own nats-server (`leasehold start` with
 * no NATS URL): one nkey per role, generated at the first start and kept in
 * `<data-dir>/credentials/<user>.nk` (directory 0700, files 0600), and the
 * server configuration that lists their public keys with the role table's
 * permissions. A server started with it refuses every connection that does
 * not sign its nonce with one of those seeds, so a local user who cannot
 * read the directory cannot reach the journal.
 *
 * Why nkeys and not passwords: the server configuration holds only public
 * keys (a password user's config holds the secret, or a bcrypt hash that
 * needs a dependency to make), and the seed never crosses the connection
 * (the client signs a nonce). The files are the same seed files `NATS_NKEY`
 * already reads, so a part or the CLI run elsewhere uses one as it is.
 *
 * The directory is the list of users: every `<user>.nk` in it whose name is
 * a role (admin, client, api, api-journal, scheduler, agent-<id>) is listed, and the
 * users a start needs are added when missing. Deleting the directory while
 * the system is stopped rotates every credential at the next start.
 */
import { chmodSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nkeys } from '@nats-io/nats-core';
import type { ConnectOptions } from '../connect.js';
import { CredentialsError } from '../errors.js';
import { withLeaseNetworks, type LeaseNetworks } from './lease-access.js';
import { assertToken, type Role } from './roles.js';
import { authorizationBlock, confString, type AccessUser } from './server-config.js';

/** The directory under the data directory that holds the seeds. */
export const CREDENTIALS_DIR = 'credentials';
/** The embedded server's configuration file under the data directory (rewritten at every start; public keys only). */
export const SERVER_CONFIG_FILE = 'nats-server.conf';
const SEED_EXTENSION = '.nk';

/**
 * The users every embedded server lists: the CLI's two and the parts' (agents
 * are added by id). The API has two: `api` serves requests, `api-journal`
 * reads and writes the journal, so JetStream's deliveries never reach the
 * user that may answer requests (nats-server 2.9 makes those slow, see roles.ts).
 */
export const BASE_LOCAL_USERS = ['admin', 'client', 'api', 'api-journal', 'scheduler'] as const;

/** The file name's user for a role: admin, client, api, scheduler, agent-<id>. Pure. */
export function localUserOf(role: Role): string {
  switch (role.kind) {
    case 'agent':
      return `agent-${assertToken(role.agentId, 'agent id')}`;
    case 'scheduler':
      return role.name && role.name !== 'scheduler' ? `scheduler-${assertToken(role.name, 'scheduler name')}` : 'scheduler';
    case 'api':
      return role.serves === false ? 'api-journal' : 'api';
    default:
      return role.kind;
  }
}

/** The role a user name stands for, or undefined for a name that is none. Pure. */
export function roleOfLocalUser(user: string): Role | undefined {
  if (user === 'admin' || user === 'client' || user === 'api') return { kind: user };
  if (user === 'api-journal') return { kind: 'api', serves: false };
  if (user === 'scheduler') return { kind: 'scheduler' };
  const match = /^(agent|scheduler)-([A-Za-z0-9_\-:]+)$/.exec(user);
  if (!match) return undefined;
  return match[1] === 'agent' ? { kind: 'agent', agentId: match[2]! } : { kind: 'scheduler', name: match[2]! };
}

/** Where a user's seed lives under `dataDir`. Pure. */
export function localSeedFile(dataDir: string, user: string): string {
  return join(resolve(dataDir), CREDENTIALS_DIR, `${user}${SEED_EXTENSION}`);
}

/**
 * The options that log in as `user` of the system whose data directory is
 * `dataDir` (the environment is not read). Reads nothing: connecting reads
 * the seed. Pure.
 */
export function localConnectOptions(dataDir: string, user: string): ConnectOptions {
  return { nkeySeedFile: localSeedFile(dataDir, user), env: {} };
}

/** A user of a local system: its file name, role and public key. */
export interface LocalUser {
  readonly user: string;
  readonly role: Role;
  readonly nkey: string;
}

export interface LocalAccess {
  readonly dir: string;
  /** The server configuration file, written with the users below. */
  readonly configFile: string;
  /** The JetStream store the configuration names. */
  readonly storeDir: string;
  /** Every user the configuration lists (public keys), with its role. */
  readonly users: readonly LocalUser[];
  /** Seeds this call generated (a first start, or a user the directory lacked). */
  readonly created: readonly string[];
  /** Paths whose mode let others in and were tightened (0700 directory, 0600 files): worth a warning, and rotating. */
  readonly tightened: readonly string[];
  /** The options that log in as `user` (one of `users`). */
  connectOptions(user: string): ConnectOptions;
  /**
   * Writes the server configuration again (atomically, 0600) with each
   * agent's lease networks (see `LocalAccessOptions.leaseNetworks`); a
   * running server reads it when told to reload.
   */
  writeServerConfig(leaseNetworks: LeaseNetworks | undefined): void;
}

export interface LocalAccessOptions {
  /** The users this start needs besides BASE_LOCAL_USERS (its agents, `agent-<id>`). */
  readonly users?: readonly string[];
  /** The JetStream store the configuration names (default `<dataDir>/nats`). */
  readonly storeDir?: string;
  /**
   * The networks whose leases each agent user may write (agents not named:
   * none), for a process that keeps them equal to the bindings and reloads
   * the server as they change. Omitted: every agent may write every
   * network's leases (nothing would keep a narrower list up to date).
   */
  readonly leaseNetworks?: LeaseNetworks;
}

/**
 * Makes sure the credentials directory holds a seed for every needed user
 * (generating the missing ones), checks and tightens the modes, and writes
 * the server configuration. Throws `CredentialsError` on a seed file that is
 * not a user seed, not a regular file, or owned by someone else.
 */
export function prepareLocalAccess(dataDir: string, options: LocalAccessOptions = {}): LocalAccess {
  const root = resolve(dataDir);
  const dir = join(root, CREDENTIALS_DIR);
  const tightened: string[] = [];
  const created: string[] = [];
  mkdirSync(root, { recursive: true, mode: 0o700 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (ownedPrivate(dir, 'directory', 0o700)) tightened.push(dir);

  const wanted = new Set<string>([...BASE_LOCAL_USERS, ...(options.users ?? [])]);
  for (const user of wanted) {
    if (!roleOfLocalUser(user)) throw new CredentialsError(`"${user}" is not a user of a local system (admin, client, api, api-journal, scheduler, agent-<id>)`);
  }
  const present = new Set(readdirSync(dir).filter((name) => name.endsWith(SEED_EXTENSION)).map((name) => name.slice(0, -SEED_EXTENSION.length)));
  for (const user of wanted) {
    if (present.has(user)) continue;
    writePrivate(join(dir, `${user}${SEED_EXTENSION}`), `${new TextDecoder().decode(nkeys.createUser().getSeed())}\n`);
    created.push(user);
    present.add(user);
  }

  const users: LocalUser[] = [];
  for (const user of [...present].sort()) {
    const role = roleOfLocalUser(user);
    // A file whose name is no role (a backup copy, an editor's) is not a user.
    if (!role) continue;
    const file = join(dir, `${user}${SEED_EXTENSION}`);
    if (ownedPrivate(file, 'file', 0o600)) tightened.push(file);
    users.push({ user, role, nkey: publicKeyOf(file) });
  }

  const storeDir = resolve(options.storeDir ?? join(root, 'nats'));
  // The store holds every event (MACs, host names, addresses): its owner's alone, like the seeds.
  mkdirSync(storeDir, { recursive: true, mode: 0o700 });
  if ((lstatSync(storeDir).mode & 0o077) !== 0) chmodSync(storeDir, 0o700);
  const configFile = join(root, SERVER_CONFIG_FILE);
  const writeServerConfig = (leaseNetworks: LeaseNetworks | undefined) => writePrivate(configFile, localServerConfig(storeDir, withLeaseNetworks(users, leaseNetworks)));
  writeServerConfig(options.leaseNetworks);
  return {
    dir,
    configFile,
    storeDir,
    users,
    created,
    tightened,
    connectOptions: (user) => {
      if (!users.some((u) => u.user === user)) throw new CredentialsError(`no credential for user "${user}" in ${dir}`);
      return localConnectOptions(root, user);
    },
    writeServerConfig,
  };
}

/**
 * The embedded server's configuration: the JetStream store, and the users
 * (the `authorization` block refuses anyone else). The users land in the
 * global account, where an existing store's stream already is. Pure.
 */
export function localServerConfig(storeDir: string, users: readonly AccessUser[]): string {
  return [
    '# Written by leasehold at every start from <data-dir>/credentials: edits are lost.',
    `jetstream { store_dir: ${confString(storeDir)} }`,
    authorizationBlock(users),
    '',
  ].join('\n');
}

/** The public key of a seed file; throws CredentialsError naming the file when it holds none. */
function publicKeyOf(file: string): string {
  const text = readFileSync(file, 'utf8').trim();
  try {
    if (!text.startsWith('SU')) throw new Error('not a user seed (SU...)');
    return nkeys.fromSeed(new TextEncoder().encode(text)).getPublicKey();
  } catch (error) {
    throw new CredentialsError(`${file} does not hold a user nkey seed (${(error as Error).message}); delete it to have a new one generated at the next start`, { cause: error });
  }
}

/**
 * Checks that `path` is ours and of its kind, and takes group and other
 * access away; returns whether it had to. Pure but for the file system.
 */
function ownedPrivate(path: string, kind: 'file' | 'directory', mode: number): boolean {
  const stat = lstatSync(path);
  const isKind = kind === 'file' ? stat.isFile() : stat.isDirectory();
  // A symbolic link could point another user's file (or directory) at us.
  if (!isKind) throw new CredentialsError(`${path} should be a ${kind}${stat.isSymbolicLink() ? ', not a symbolic link' : ''}`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) throw new CredentialsError(`${path} belongs to uid ${stat.uid}, not to this user (uid ${uid})`);
  if ((stat.mode & 0o077) === 0) return false;
  chmodSync(path, mode);
  return true;
}

/** Writes a file readable by its owner only, atomically: a crash never leaves half a seed behind. */
function writePrivate(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  // O_EXCL: never through a file (or link) someone put there.
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
