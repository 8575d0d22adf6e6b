/**
 * Minimal NATS JWTs (v2 claims, ed25519-nkey signatures) for a server in
 * operator mode: an operator, a JetStream-enabled account, and users whose
 * permissions come from the role table, written as `.creds` files. Enough
 * to run the locked-down system without the `nsc` tool; in production an
 * operator would issue these with nsc.
 */
import { createHash, randomBytes } from 'node:crypto';
import { nkeys } from '@nats-io/nats-core';
import { defaultLayout, type JournalLayout } from '../provision.js';
import { rolePermissions, type Role } from './roles.js';
import { confString } from './server-config.js';

type KeyPair = ReturnType<typeof nkeys.createUser>;

const b64url = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

/** Encodes and signs claims as a NATS JWT (`iss` = the signer's public key). */
export function signJwt(signer: KeyPair, subject: string, name: string, nats: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const claims: Record<string, unknown> = { iat: Math.floor(Date.now() / 1000), iss: signer.getPublicKey(), name, sub: subject, nats: { ...nats, version: 2 } };
  // The JWT id is a hash of the claims (as nsc makes it); the server only needs it unique.
  claims.jti = createHash('sha256').update(JSON.stringify(claims)).update(randomBytes(8)).digest('base64url');
  const body = b64url(JSON.stringify(claims));
  const signature = signer.sign(new TextEncoder().encode(`${header}.${body}`));
  return `${header}.${body}.${b64url(signature)}`;
}

export interface OperatorSetup {
  readonly operatorJwt: string;
  readonly accountPublicKey: string;
  readonly accountJwt: string;
  /** The server config lines of operator mode: operator, system account, and both accounts preloaded in a memory resolver. */
  readonly serverConfig: string;
  /** A `.creds` file's text for one user of `role`. */
  userCreds(name: string, role: Role, layout?: JournalLayout): string;
}

/** An operator and one JetStream-enabled account, signed now. */
export function createOperator(name = 'leasehold'): OperatorSetup {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  // JetStream needs the server's system account, which must be an account of the operator.
  const system = nkeys.createAccount();
  const operatorJwt = signJwt(operator, operator.getPublicKey(), name, { type: 'operator', system_account: system.getPublicKey() });
  const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
  const jetstream = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };
  const accountJwt = signJwt(operator, account.getPublicKey(), name, { type: 'account', limits: { ...unlimited, ...jetstream } });
  const systemJwt = signJwt(operator, system.getPublicKey(), 'SYS', { type: 'account', limits: unlimited });
  const serverConfig = [
    `operator: ${confString(operatorJwt)}`,
    `system_account: ${confString(system.getPublicKey())}`,
    'resolver: MEMORY',
    `resolver_preload: { ${account.getPublicKey()}: ${confString(accountJwt)}, ${system.getPublicKey()}: ${confString(systemJwt)} }`,
  ].join('\n');
  return {
    operatorJwt,
    accountPublicKey: account.getPublicKey(),
    accountJwt,
    serverConfig,
    userCreds(userName, role, layout = defaultLayout) {
      const user = nkeys.createUser();
      // The user's inbox token is its public key, as connectNats assumes for a key-based login.
      const p = rolePermissions(role, user.getPublicKey(), layout);
      const jwt = signJwt(account, user.getPublicKey(), userName, {
        type: 'user',
        pub: { allow: [...p.publish] },
        sub: { allow: [...p.subscribe] },
        ...(p.allowResponses ? { resp: { max: 1, ttl: 0 } } : {}),
        subs: -1,
        data: -1,
        payload: -1,
      });
      const seed = new TextDecoder().decode(user.getSeed());
      return [
        '-----BEGIN NATS USER JWT-----', jwt, '------END NATS USER JWT------', '',
        '-----BEGIN USER NKEY SEED-----', seed, '------END USER NKEY SEED------', '',
      ].join('\n');
    },
  };
}
