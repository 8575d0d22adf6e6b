/**
 * Test helper (never exported from the index): answers of BIND's named for
 * the zones of test-zones.ts, recorded once (`bind-answers.json`: DNSKEY,
 * DS and data questions asked with DO and CD), and the trust anchors
 * dnssec-dsfromkey gave for them. Independent vectors for canonical form,
 * signatures (RSA/SHA-256, ECDSA P-256, Ed25519), DS digests, NSEC and NSEC3.
 */
import { readFileSync } from 'node:fs';
import type { TrustAnchor } from '../config.js';
import { parseTrustAnchor } from './anchors.js';
import { readMessage, type WireRecord } from './records.js';

interface Recorded {
  readonly anchors: string[];
  readonly answers: Record<string, string>;
}

const recorded = JSON.parse(readFileSync(new URL('./fixtures/bind-answers.json', import.meta.url), 'utf8')) as Recorded;

export const FIXTURE_ANCHORS: readonly TrustAnchor[] = recorded.anchors.map((a) =>
  parseTrustAnchor(a, (reason) => {
    throw new Error(reason);
  }),
);

/** A time inside the signatures' validity window (2026-06-01). */
export const FIXTURE_NOW = Date.UTC(2026, 5, 1) / 1000;

const TYPES: Readonly<Record<number, string>> = { 1: 'A', 15: 'MX', 16: 'TXT', 43: 'DS', 48: 'DNSKEY' };

/** The recorded answer to "name TYPE" (e.g. "www.signed.test A"), as bytes. */
export function recordedAnswer(question: string): Uint8Array {
  const hex = recorded.answers[question];
  if (hex === undefined) throw new Error(`no recorded answer for ${question}`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** The question key of a wire name and type, as the recording names it. */
export function questionKey(text: string, type: number): string {
  return `${text} ${TYPES[type] ?? type}`;
}

/** The records of a recorded answer (section 1 answer, 2 authority). */
export function recordedRecords(question: string): WireRecord[] {
  return readMessage(recordedAnswer(question)).records;
}
