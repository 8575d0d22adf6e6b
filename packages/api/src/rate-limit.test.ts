/**
 * The API's admission control (the bucket's laws are tested in protocol):
 * the write/read split, and the real service under bursts of requests (answered at once
 * with RATE_LIMITED, 429, never queued without bound).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from './errors.js';
import { AGENT_DHCP_PORT_OPERATION } from './port/dhcp-port.js';
import { ApiAdmission, defaultApiLimits, isWrite } from './rate-limit.js';
import { API_SUBJECT_PREFIX } from './wire/subjects.js';
import { startTestApi, type TestApi } from './testing/index.js';

describe('ApiAdmission', () => {
  test('writes and reads have separate buckets', () => {
    const admission = new ApiAdmission({ writes: { burst: 1, perSecond: 0 }, reads: { burst: 1, perSecond: 0 } }, () => 0);
    admission.admit('ports.create');
    expect(() => admission.admit('ports.delete')).toThrow(expect.objectContaining({ code: 'RATE_LIMITED', status: 429 }));
    admission.admit('ports.list');
    expect(() => admission.admit('ports.show')).toThrow(ApiError);
    expect(admission.refused).toStrictEqual({ writes: 1, reads: 1, inFlight: 0 });
  });

  test('past the in-flight cap a request is refused without taking a token, and a released slot admits the next', () => {
    const admission = new ApiAdmission({ maxInFlight: 2, writes: { burst: 3, perSecond: 0 } }, () => 0);
    admission.admit('networks.create');
    admission.admit('networks.create');
    expect(() => admission.admit('networks.create')).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    admission.release();
    admission.admit('networks.create');
    expect(admission.refused.inFlight).toBe(1);
    expect(admission.peakInFlight).toBe(2);
  });

  test('defaults are on, writes stricter than reads', () => {
    expect(defaultApiLimits.writes.burst).toBeGreaterThan(0);
    expect(defaultApiLimits.reads.perSecond).toBeGreaterThan(defaultApiLimits.writes.perSecond);
    expect(defaultApiLimits.maxInFlight).toBeGreaterThan(0);
  });
});

describe('the real API under bursts', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ limits: { writes: { burst: 5, perSecond: 0.1 }, reads: { burst: 20, perSecond: 0.1 }, maxInFlight: 8 } });
  });
  afterAll(() => t.stop());

  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: unknown) => (e instanceof ApiError ? e.code : String(e)),
    );

  test('every operation is classed as a write or a read by its verb', () => {
    const operations = t.api.subjects.map((s) => s.slice(API_SUBJECT_PREFIX.length + 1));
    const writes = operations.filter(isWrite).sort();
    expect(writes).toStrictEqual(operations.filter((o) => /\.(create|update|delete|add|remove)$/.test(o)).sort());
    expect(writes).toContain('ports.create');
    expect(operations.filter((o) => !isWrite(o))).toContain('leases.list');
    // An agent's DHCP-port request may create a port: it takes a write token.
    expect(t.api.agentSubjects).toStrictEqual(['lh.api.agents.*.dhcp-port']);
    expect(isWrite(AGENT_DHCP_PORT_OPERATION)).toBe(true);
  });

  test('a burst of writes gets the bucket\'s worth through and RATE_LIMITED (429, with Retry-After) for the rest; reads are still served', async () => {
    // Sequential, so the in-flight cap plays no part.
    const results: string[] = [];
    for (let i = 0; i < 12; i++) results.push(await outcome(t.client.networks.create({ name: `burst-${i}` })));
    expect(results.filter((r) => r === 'ok')).toHaveLength(5);
    expect(results.slice(5)).toStrictEqual(Array(7).fill('RATE_LIMITED'));
    const raw = await t.nc.request(`${API_SUBJECT_PREFIX}.networks.create`, new TextEncoder().encode('{"name":"raw"}'), { timeout: 5000 });
    expect(raw.headers?.get('Nats-Service-Error-Code')).toBe('429');
    expect(Number(raw.headers?.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(new TextDecoder().decode(raw.data)).error).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect((await t.client.networks.list({})).filter((n) => n.name.startsWith('burst-'))).toHaveLength(5);
  });

  test('a concurrent burst of reads beyond the in-flight cap is answered at once: some served, the rest RATE_LIMITED, none left waiting', async () => {
    const before = t.api.admission.refused.inFlight;
    const results = await Promise.all(Array.from({ length: 200 }, () => outcome(t.client.networks.list({}))));
    const ok = results.filter((r) => r === 'ok').length;
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(ok).toBeLessThanOrEqual(19);
    expect(results.filter((r) => r !== 'ok')).toStrictEqual(Array(200 - ok).fill('RATE_LIMITED'));
    expect(t.api.admission.refused.inFlight - before).toBeGreaterThan(0);
    expect(t.api.admission.peakInFlight).toBeLessThanOrEqual(8);
    expect(t.api.admission.inFlight).toBe(0);
  });
});

describe('defaults', () => {
  test('the default limits let a burst of 300 concurrent creates through untouched', async () => {
    await using t = await startTestApi();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => t.client.networks.create({ name: `d-${i}` }).then(() => 'ok')));
    expect(results).toStrictEqual(Array(300).fill('ok'));
    expect(t.api.admission.refused).toStrictEqual({ writes: 0, reads: 0, inFlight: 0 });
  });
});
