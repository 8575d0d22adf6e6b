import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { subjectMatches } from '@leasehold/protocol';
import { chunkKey, manifestKey, snapshotKeyToken, snapshotSubjects } from './snapshot-keys.js';
import { decodeManifest, encodeManifest, type Manifest } from './snapshot-manifest.js';

/** What nats.js accepts as a KV key (and so nats-server as a subject under $KV.<bucket>). */
const kvKey = /^[-/=.\w]+$/;

describe('snapshot keys', () => {
  test('the names the system uses read as themselves; others are escaped byte by byte with "="', () => {
    expect(['agent-a1', 'scheduler', 'api', 'agent-0f1e_2'].map(snapshotKeyToken)).toStrictEqual(['agent-a1', 'scheduler', 'api', 'agent-0f1e_2']);
    expect(snapshotKeyToken('agent-a:1')).toBe('agent-a=3A1');
    expect(snapshotKeyToken('a.b=')).toBe('a=2Eb=3D');
    expect(snapshotKeyToken('é')).toBe('=C3=A9');
    expect(() => snapshotKeyToken('')).toThrow(RangeError);
  });

  test.prop([fc.string({ minLength: 1, unit: 'binary' })])('a name becomes one KV key token: no dot, no wildcard, only key characters', (name) => {
    const token = snapshotKeyToken(name);
    expect(token).toMatch(/^[-=\w]+$/);
    expect(manifestKey(name)).toMatch(kvKey);
    expect(chunkKey(name, 'b', 12)).toBe(`${token}.b.12`);
  });

  test.prop([fc.string({ minLength: 1, unit: 'binary' }), fc.string({ minLength: 1, unit: 'binary' })])('two names never share a key, so a role granted its own name\'s subjects reaches no other name\'s', (a, b) => {
    fc.pre(a !== b);
    expect(snapshotKeyToken(a)).not.toBe(snapshotKeyToken(b));
    const [manifest, chunks] = snapshotSubjects('lh_projection_snapshots', a);
    for (const subject of [`$KV.lh_projection_snapshots.${manifestKey(b)}`, `$KV.lh_projection_snapshots.${chunkKey(b, 'a', 0)}`]) {
      expect(subjectMatches(manifest, subject) || subjectMatches(chunks, subject)).toBe(false);
    }
    expect(subjectMatches(chunks, `$KV.lh_projection_snapshots.${chunkKey(a, 'a', 3)}`)).toBe(true);
  });
});

describe('snapshot manifests', () => {
  const sha = 'ab'.repeat(32);
  const manifest = fc.record(
    {
      format: fc.constant(1 as const),
      name: fc.string({ minLength: 1 }),
      snapshot: fc.record({
        v: fc.integer(),
        fingerprint: fc.string(),
        seq: fc.nat(),
        at: fc.nat(),
        bytes: fc.nat(),
        slot: fc.constantFrom('a' as const, 'b' as const),
        chunks: fc.integer({ min: 1, max: 1000 }),
        sha256: fc.constant(sha),
      }, { noNullPrototype: true }),
      writing: fc.record({ slot: fc.constantFrom('a' as const, 'b' as const), by: fc.uuid(), at: fc.nat() }, { noNullPrototype: true }),
    },
    { requiredKeys: ['format', 'name'], noNullPrototype: true },
  );

  test.prop([manifest])('a manifest reads back as written', (m: Manifest) => {
    expect(decodeManifest(encodeManifest(m))).toStrictEqual(m);
  });

  test('a manifest of another format or with a field of the wrong type is refused with what is wrong', () => {
    const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(() => decodeManifest(new TextEncoder().encode('{'))).toThrow(/not JSON/);
    expect(() => decodeManifest(bytes({ format: 2, name: 'api' }))).toThrow(/format 2/);
    expect(() => decodeManifest(bytes({ format: 1, name: 'api', snapshot: { v: 1, fingerprint: '', seq: '9', at: 0, bytes: 0, slot: 'a', chunks: 1, sha256: sha } }))).toThrow(/snapshot\.seq/);
    expect(() => decodeManifest(bytes({ format: 1, name: 'api', snapshot: { v: 1, fingerprint: '', seq: 9, at: 0, bytes: 0, slot: 'c', chunks: 1, sha256: sha } }))).toThrow(/snapshot\.slot/);
    expect(() => decodeManifest(bytes({ format: 1, name: 'api', snapshot: { v: 1, fingerprint: '', seq: 9, at: 0, bytes: 0, slot: 'a', chunks: 1, sha256: 'xyz' } }))).toThrow(/sha256/);
  });
});
