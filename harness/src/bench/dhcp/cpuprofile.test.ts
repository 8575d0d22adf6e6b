import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { areaOf, summarizeProfile, type CpuProfile } from './cpuprofile.js';

const frames = [
  { functionName: '(idle)', url: '', lineNumber: -1 },
  { functionName: '(garbage collector)', url: '', lineNumber: -1 },
  { functionName: 'encodeDhcp', url: 'file:///work/main/packages/protocol/src/dhcp/codec.ts', lineNumber: 40 },
  { functionName: 'publish', url: 'file:///work/main/node_modules/@nats-io/jetstream/lib/jsclient.js', lineNumber: 99 },
  { functionName: 'networkInterfaces', url: 'node:os', lineNumber: 10 },
  { functionName: '', url: 'file:///work/main/packages/agent/src/agent.ts', lineNumber: 5 },
];

const profiles = fc
  .array(fc.record({ node: fc.integer({ min: 0, max: frames.length - 1 }), us: fc.integer({ min: 0, max: 5000 }) }), { maxLength: 200 })
  .map((samples): CpuProfile => ({
    nodes: frames.map((callFrame, i) => ({ id: i + 1, callFrame })),
    samples: samples.map((s) => s.node + 1),
    // Each sample lasts until the next: the first delta is the start offset.
    timeDeltas: [0, ...samples.map((s) => s.us)].slice(0, samples.length),
  }));

describe('cpu profile summaries', () => {
  test.prop([profiles])('busy and idle time add up to the sampled time, and busy shares to 100%', (profile) => {
    const s = summarizeProfile(profile, 100);
    const total = profile.timeDeltas.slice(1).reduce((a, b) => a + b, 0) / 1000;
    expect(s.busyMs + s.idleMs).toBeCloseTo(total, 6);
    const sumFunctions = s.functions.reduce((a, f) => a + f.ms, 0);
    const sumAreas = s.areas.reduce((a, f) => a + f.ms, 0);
    expect(sumFunctions).toBeCloseTo(s.busyMs, 6);
    expect(sumAreas).toBeCloseTo(s.busyMs, 6);
    if (s.busyMs > 0) expect(s.areas.reduce((a, f) => a + f.percent, 0)).toBeCloseTo(100, 6);
  });

  test.prop([profiles, fc.integer({ min: 1, max: 4 })])('lists at most `top` entries, largest first', (profile, top) => {
    const s = summarizeProfile(profile, top);
    expect(s.functions.length).toBeLessThanOrEqual(top);
    for (let i = 1; i < s.functions.length; i++) expect(s.functions[i - 1]!.ms).toBeGreaterThanOrEqual(s.functions[i]!.ms);
  });

  test('areas name the workspace package, the npm package, node internals or V8 bucket', () => {
    expect(frames.map((f) => areaOf(f.url, f.functionName))).toStrictEqual([
      '(idle)',
      '(garbage collector)',
      '@leasehold/protocol',
      '@nats-io/jetstream',
      'node internals',
      '@leasehold/agent',
    ]);
  });
});
