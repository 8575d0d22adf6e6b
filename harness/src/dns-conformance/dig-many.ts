/**
 * Many questions in one `dig` run (dig takes several name/type pairs after
 * its global options) and the comparison of two servers' answers: what the
 * behavioural conformance test needs, in one process per server instead of
 * one per question.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const run = promisify(execFile);

/** One answer as dig shows it: status, header flags and the answer section's records. */
export interface DigAnswer {
  readonly question: string;
  readonly status: string;
  readonly flags: readonly string[];
  readonly answers: readonly { readonly name: string; readonly ttl: number; readonly type: string; readonly data: string }[];
}

/** Asks `questions` (each a dig argument list: name [type], or -x address) of address#port inside `netns`, in one dig run. */
export async function digMany(netns: string, server: { address: string; port: number }, questions: readonly (readonly string[])[]): Promise<DigAnswer[]> {
  const args = ['netns', 'exec', netns, 'dig', `@${server.address}`, '-p', String(server.port), '+tries=1', '+time=3', '+noall', '+comments', '+answer', ...questions.flat()];
  const { stdout } = await run('ip', args, { maxBuffer: 16 << 20 });
  // Each answer starts with its header line; a question that got no answer has none, which the count below catches.
  const blocks = stdout.split(';; ->>HEADER<<-').slice(1);
  if (blocks.length !== questions.length) throw new Error(`dig gave ${blocks.length} answers to ${questions.length} questions:\n${stdout}`);
  return blocks.map((block, i) => {
    const answers: { name: string; ttl: number; type: string; data: string }[] = [];
    let inAnswer = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(';; ANSWER SECTION')) inAnswer = true;
      else if (line.trim() === '' || line.startsWith(';')) inAnswer &&= line.trim() !== '';
      else if (inAnswer) {
        const [name = '', ttl = '0', , type = '', ...data] = line.split(/\s+/);
        answers.push({ name, ttl: Number(ttl), type, data: data.join(' ') });
      }
    }
    return {
      question: questions[i]!.join(' '),
      status: /status: (\w+)/.exec(block)?.[1] ?? 'NO-ANSWER',
      flags: (/;; flags: ([^;]*);/.exec(block)?.[1] ?? '').trim().split(/\s+/).filter(Boolean),
      answers,
    };
  });
}

/**
 * The same answers: rcode, the AA, TC and RA flags, the answer records in
 * order, and their TTLs within a second (both count down by the second).
 */
export function expectSameDigAnswers(ours: readonly DigAnswer[], theirs: readonly DigAnswer[]): void {
  const essence = (a: DigAnswer) => ({
    question: a.question,
    status: a.status,
    flags: a.flags.filter((f) => ['aa', 'tc', 'ra'].includes(f)).sort(),
    answers: a.answers.map(({ ttl: _ttl, ...rest }) => rest),
  });
  expect(ours.map(essence)).toStrictEqual(theirs.map(essence));
  ours.forEach((a, i) => a.answers.forEach((r, j) => expect(Math.abs(r.ttl - theirs[i]!.answers[j]!.ttl), `TTL of ${a.question}: ${r.name} ${r.type}`).toBeLessThanOrEqual(1)));
}
