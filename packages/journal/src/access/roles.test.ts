import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { credentialsFromEnv } from '../connect.js';
import { defaultLayout } from '../provision.js';
import { snapshotKeyToken } from '../snapshots/snapshot-keys.js';
import { inboxPrefixOf, mayPublish, rolePermissions, subjectMatches, type Role } from './roles.js';
import { authorizationBlock, confString, tlsBlock } from './server-config.js';

const token = fc.stringMatching(/^[A-Za-z0-9_\-:]{1,12}$/);
const subject = fc.array(token, { minLength: 1, maxLength: 5 }).map((t) => t.join('.'));
const kinds = ['network', 'port', 'ipam', 'mac', 'segment', 'lease', 'lease6', 'agent', 'binding'] as const;
const eventSubject = fc.tuple(fc.constantFrom(...kinds), fc.array(token, { minLength: 1, maxLength: 2 })).map(([k, ids]) => `lh.evt.${k}.${ids.join('.')}`);
const roles: Role[] = [{ kind: 'agent', agentId: 'a1' }, { kind: 'scheduler' }, { kind: 'api' }, { kind: 'client' }, { kind: 'admin' }];

describe('subject matching', () => {
  test.prop([subject])('a subject matches itself, and ">" matches every subject', (s) => {
    expect(subjectMatches(s, s)).toBe(true);
    expect(subjectMatches('>', s)).toBe(true);
  });

  test.prop([subject, token])('"<s>.>" matches every subject below s but never s itself', (s, t) => {
    expect(subjectMatches(`${s}.>`, `${s}.${t}`)).toBe(true);
    expect(subjectMatches(`${s}.>`, s)).toBe(false);
  });

  test.prop([subject, token])('"*" stands for exactly one token', (s, t) => {
    expect(subjectMatches(`${s}.*`, `${s}.${t}`)).toBe(true);
    expect(subjectMatches(`${s}.*`, `${s}.${t}.${t}`)).toBe(false);
  });
});

describe('the role table', () => {
  test.prop([token, token, eventSubject])('an agent may write its own heartbeat and leases, never another agent\'s heartbeat or any other event', (id, other, evt) => {
    const p = rolePermissions({ kind: 'agent', agentId: id }, `agent-${id}`);
    expect(mayPublish(p, `lh.evt.agent.${id}`)).toBe(true);
    if (other !== id) expect(mayPublish(p, `lh.evt.agent.${other}`)).toBe(false);
    const allowed = evt.startsWith('lh.evt.lease.') || evt.startsWith('lh.evt.lease6.') || evt === `lh.evt.agent.${id}`;
    expect(mayPublish(p, evt)).toBe(allowed);
  });

  test.prop([token, token, fc.uniqueArray(token, { maxLength: 4 }), eventSubject])('an agent given its bound networks writes the leases of those alone', (id, other, networks, evt) => {
    const p = rolePermissions({ kind: 'agent', agentId: id, leaseNetworks: networks }, `agent-${id}`);
    for (const network of networks) expect(mayPublish(p, `lh.evt.lease.${network}.198-18-0-5`)).toBe(true);
    for (const network of networks) expect(mayPublish(p, `lh.evt.lease6.${network}.2001:db8::5`)).toBe(true);
    if (!networks.includes(other)) expect(mayPublish(p, `lh.evt.lease6.${other}.2001:db8::5`)).toBe(false);
    if (!networks.includes(other)) expect(mayPublish(p, `lh.evt.lease.${other}.198-18-0-5`)).toBe(false);
    // A lease subject is lh.evt.lease.<network>.<address>: the network's token and one more.
    const parts = evt.split('.');
    const leaseOfBound = (parts[2] === 'lease' || parts[2] === 'lease6') && parts.length === 5 && networks.includes(parts[3]!);
    expect(mayPublish(p, evt)).toBe(leaseOfBound || evt === `lh.evt.agent.${id}`);
  });

  test.prop([token, token])('an agent asks for its own DHCP port only, and may make no other API request', (id, other) => {
    const p = rolePermissions({ kind: 'agent', agentId: id }, `agent-${id}`);
    expect(mayPublish(p, `lh.api.agents.${id}.dhcp-port`)).toBe(true);
    if (other !== id) expect(mayPublish(p, `lh.api.agents.${other}.dhcp-port`)).toBe(false);
    expect(mayPublish(p, `lh.api.agents.${id}.ready`)).toBe(true);
    if (other !== id) expect(mayPublish(p, `lh.api.agents.${other}.ready`)).toBe(false);
    for (const verb of ['ports.create', 'ports.update', 'networks.create', 'bindings.add']) expect(mayPublish(p, `lh.api.v1.${verb}`)).toBe(false);
    expect(mayPublish(rolePermissions({ kind: 'client' }, 'client'), `lh.api.agents.${id}.dhcp-port`)).toBe(false);
  });

  test.prop([eventSubject])('the scheduler writes bindings only, the API everything but leases, a client no event at all', (evt) => {
    expect(mayPublish(rolePermissions({ kind: 'scheduler' }, 'scheduler'), evt)).toBe(evt.startsWith('lh.evt.binding.'));
    expect(mayPublish(rolePermissions({ kind: 'api' }, 'api'), evt)).toBe(!evt.startsWith('lh.evt.lease.') && !evt.startsWith('lh.evt.lease6.'));
    expect(mayPublish(rolePermissions({ kind: 'client' }, 'client'), evt)).toBe(false);
    expect(mayPublish(rolePermissions({ kind: 'admin' }, 'admin'), evt)).toBe(true);
  });

  test.prop([token, fc.constantFrom(...roles.filter((r) => r.kind !== 'admin'))])('every role but admin subscribes only to its own inbox (and the API to its request subjects)', (user, role) => {
    const p = rolePermissions(role, user);
    const others = p.subscribe.filter((s) => s !== `${inboxPrefixOf(user)}.>`);
    expect(others).toStrictEqual(role.kind === 'api' ? ['lh.api.v1.>', 'lh.api.agents.*.>', '$SRV.>'] : []);
  });

  test.prop([fc.constantFrom(...roles.filter((r) => r.kind !== 'admin')), fc.constantFrom('CREATE', 'DELETE', 'UPDATE', 'PURGE')])('no role but admin may create, delete, update or purge a stream', (role, verb) => {
    const p = rolePermissions(role, 'u');
    expect(mayPublish(p, `$JS.API.STREAM.${verb}.${defaultLayout.stream}`)).toBe(false);
    expect(mayPublish(p, `$JS.API.STREAM.${verb}.KV_${defaultLayout.checkpointBucket}`)).toBe(false);
    // Nor purge or delete messages of the projection snapshots: their saves never need it (a purge is not replay-safe on 2.9.10).
    for (const api of [`$JS.API.STREAM.${verb}.KV_${defaultLayout.projectionBucket}`, `$JS.API.STREAM.MSG.DELETE.KV_${defaultLayout.projectionBucket}`]) expect(mayPublish(p, api)).toBe(false);
  });

  test.prop([token, token, fc.constantFrom('', '.a.0', '.b.17')])('a process writes its own projection snapshot\'s keys only', (id, other, suffix) => {
    const kv = (name: string) => `$KV.${defaultLayout.projectionBucket}.${snapshotKeyToken(name)}${suffix}`;
    const agent = rolePermissions({ kind: 'agent', agentId: id }, `agent-${id}`);
    expect(mayPublish(agent, kv(`agent-${id}`))).toBe(true);
    if (other !== id) expect(mayPublish(agent, kv(`agent-${other}`))).toBe(false);
    for (const name of ['api', 'scheduler']) expect(mayPublish(agent, kv(name))).toBe(false);
    expect(mayPublish(rolePermissions({ kind: 'scheduler' }, 'scheduler'), kv('scheduler'))).toBe(true);
    expect(mayPublish(rolePermissions({ kind: 'scheduler' }, 'scheduler'), kv('api'))).toBe(false);
    expect(mayPublish(rolePermissions({ kind: 'api' }, 'api'), kv('api'))).toBe(true);
    expect(mayPublish(rolePermissions({ kind: 'api' }, 'api'), kv(`agent-${id}`))).toBe(false);
    expect(mayPublish(rolePermissions({ kind: 'client' }, 'client'), kv('api'))).toBe(false);
  });

  test('ids that could add a level or a wildcard to a subject are refused', () => {
    for (const bad of ['a.b', 'a*', '>', '', 'a b']) {
      expect(() => rolePermissions({ kind: 'agent', agentId: bad }, 'u')).toThrow(RangeError);
      expect(() => inboxPrefixOf(bad)).toThrow(RangeError);
    }
  });
});

describe('the generated server config', () => {
  test.prop([fc.string()])('a config string reads back as the same text', (text) => {
    expect(JSON.parse(confString(text))).toBe(text);
  });

  test('one user per role instance, password or nkey, with its permissions; a user listed twice is refused', () => {
    const text = authorizationBlock([
      { name: 'api', password: 'p"w', role: { kind: 'api' } },
      { nkey: 'UABC', role: { kind: 'agent', agentId: 'a1' } },
    ]);
    expect(text).toContain('user: "api", password: "p\\"w"');
    expect(text).toContain('nkey: "UABC"');
    expect(text).toContain('"_INBOX.UABC.>"');
    // No role answers through allow_responses (a reload forgets its grants): the API publishes to inboxes.
    expect(text).not.toContain('allow_responses');
    expect(() => authorizationBlock([{ name: 'x', password: 'a', role: { kind: 'client' } }, { name: 'x', password: 'b', role: { kind: 'api' } }])).toThrow(/twice/);
    expect(tlsBlock({ certFile: '/c', keyFile: '/k', caFile: '/ca', verify: true })).toMatch(/cert_file: "\/c"[\s\S]*verify: true/);
  });
});

describe('credentials from the environment', () => {
  test('user and password, nkey and creds files, TLS files and the inbox prefix are read; empty variables count as unset', () => {
    expect(credentialsFromEnv({})).toStrictEqual({});
    expect(credentialsFromEnv({ NATS_USER: 'api', NATS_PASSWORD: 'pw', NATS_CA: '/ca.pem', NATS_KEY: '' })).toStrictEqual({ user: 'api', pass: 'pw', tls: { caFile: '/ca.pem' } });
    expect(credentialsFromEnv({ NATS_NKEY: '/a.nk', NATS_CREDS: '/a.creds', NATS_CERT: '/c.pem', NATS_KEY: '/c.key', NATS_INBOX_PREFIX: '_INBOX.x' })).toStrictEqual({
      nkeySeedFile: '/a.nk',
      credsFile: '/a.creds',
      tls: { certFile: '/c.pem', keyFile: '/c.key' },
      inboxPrefix: '_INBOX.x',
    });
  });
});
