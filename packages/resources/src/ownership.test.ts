/**
 * One room per aggregate (issue 16): the envelope's fields are spelled out
 * only by protocol's `eventEnvelope`, which this package's and lease-actor's
 * builders call, and an event subject is read back only by their parsers.
 * This scan holds every other package's source (packages/<pkg>/src,
 * tools/src and harness/src, tests excluded) to it: an object literal with `v`, `aggregate`
 * and `data` keys is an envelope built by hand, and `<…subject>.split('.')`
 * or `.split('.')[3]` / `.split('.').slice(3)` is a subject read by hand.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The packages allowed to build envelopes and read subjects: the aggregates' own modules and the codec. */
const OWNERS = new Set(['resources', 'lease-actor', 'protocol']);

/** Comments out of the way (a comment may show a literal as an example). Strings stay: a template literal holds `${}`. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/[^\n]*/g, (m, lead: string) => lead + ' '.repeat(m.length - lead.length));
}

/** The text of the object literal whose `{` is at `open`, with nested braces' contents left out, and where it ends. */
function topLevel(source: string, open: number): { text: string; end: number } {
  let depth = 0;
  let text = '';
  for (let i = open; i < source.length; i++) {
    const c = source[i]!;
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return { text, end: i };
    } else if (depth === 1) text += c;
  }
  return { text, end: source.length };
}

/** The `{` of the innermost object literal around `at`, or -1. */
function enclosingBrace(source: string, at: number): number {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const c = source[i];
    if (c === '}') depth++;
    else if (c === '{') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

const ENVELOPE_KEYS = new Set(['type', 'v', 'id', 'aggregate', 'at', 'causation', 'correlation', 'data']);

/** The keys of an object literal's top-level text (`a: 1, b, ...c` gives a, b; spreads have none). */
function keysOf(text: string): string[] {
  // Parentheses and brackets at the top level (calls, arrays) hold commas that part no keys.
  let depth = 0;
  const parts: string[] = [''];
  for (const c of text) {
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    if (c === ',' && depth === 0) parts.push('');
    else parts[parts.length - 1] += c;
  }
  return parts.map((p) => p.trim()).filter((p) => p !== '' && !p.startsWith('...')).map((p) => /^['"]?([A-Za-z_$][\w$]*)/.exec(p)?.[1] ?? p);
}

/**
 * Lines (1-based) where an envelope literal starts: an object with `v`,
 * `aggregate` and `data` keys and no key an envelope has not (a record that
 * shows an event beside its sequence and subject is no envelope). Pure.
 */
export function envelopeLiterals(source: string): number[] {
  const code = withoutComments(source);
  const lines = new Set<number>();
  for (const match of code.matchAll(/(^|[\s,{])aggregate\s*[:,}]/g)) {
    const open = enclosingBrace(code, match.index! + match[0].length - 1);
    if (open < 0) continue;
    const { text, end } = topLevel(code, open);
    // `const { type, v, aggregate, data } = envelope` reads one: not a literal.
    if (/^\s*=[^=>]/.test(code.slice(end + 1))) continue;
    const keys = keysOf(text);
    if (keys.includes('v') && keys.includes('data') && keys.every((k) => ENVELOPE_KEYS.has(k))) lines.add(code.slice(0, open).split('\n').length);
  }
  return [...lines].sort((a, b) => a - b);
}

const SUBJECT_SPLITS = [
  // subject.split('.'), raw.subject.split('.'), leaseSubject.split('.')
  /[A-Za-z_$]*subject\s*\??\.split\(\s*(['"])\.\1\s*\)/gi,
  // anything.split('.')[3], .split('.').slice(2): the id tokens of lh.evt.<kind>.<id>
  /\.split\(\s*(['"])\.\1\s*\)\s*(\[\s*[2-9]\s*\]|\.slice\(\s*[2-9])/g,
];

/** Lines (1-based) where an event subject is split by hand. Pure. */
export function subjectSplits(source: string): number[] {
  const code = withoutComments(source);
  const lines = new Set<number>();
  for (const pattern of SUBJECT_SPLITS) for (const match of code.matchAll(pattern)) lines.add(code.slice(0, match.index).split('\n').length);
  return [...lines].sort((a, b) => a - b);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every non-test source file of the packages that must use the aggregates' modules. */
function scannedFiles(): string[] {
  const roots = readdirSync(join(ROOT, 'packages'))
    .filter((name) => !OWNERS.has(name))
    .map((name) => join(ROOT, 'packages', name, 'src'))
    .concat(join(ROOT, 'tools', 'src'), join(ROOT, 'harness', 'src'));
  return roots.filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory()).flatMap(sourceFiles);
}

describe('the aggregates are built and read in one place each', () => {
  test('the scan finds an envelope literal, and only one', () => {
    expect(envelopeLiterals("const e: EventEnvelope = { type, v: 1, id: randomUUID(), aggregate: `binding/${networkId}`, at: Date.now(), data };")).toStrictEqual([1]);
    expect(envelopeLiterals("x();\nreturn {\n  type: 'AgentHeartbeat',\n  v: 1,\n  id: meta.id,\n  aggregate: `agent/${id}`,\n  at: meta.at,\n  data: { agentId: id, load: 0 },\n};")).toStrictEqual([2]);
    expect(envelopeLiterals('({ type, v, id, aggregate: subject, at: ctx.now, data, ...(c ? { correlation: c } : {}) })')).toStrictEqual([1]);
    expect(envelopeLiterals('const envelope = (aggregate: string, type: string, data: unknown, at = Date.now()) => ({ type, v: 1, id: randomUUID(), aggregate, at, data });')).toStrictEqual([1]);
    // Not envelopes: a summary with an aggregate, an option bag, a comment showing one.
    expect(envelopeLiterals('out.push({ summary: { aggregate: report.ref.name, events: 3 } });')).toStrictEqual([]);
    expect(envelopeLiterals('...(flags.aggregate ? { aggregate: flags.aggregate } : {}),')).toStrictEqual([]);
    expect(envelopeLiterals('// { type, v: 1, id, aggregate: a, at, data }\n/* { v: 1, aggregate: a, data } */')).toStrictEqual([]);
    expect(envelopeLiterals('const { type, v, aggregate, data } = envelope;')).toStrictEqual([]);
    expect(envelopeLiterals('jsonSafe({ seq: record.seq, subject: record.subject, time: isoTime(at), type, v, id, aggregate, at, data })')).toStrictEqual([]);
  });

  test('the scan finds a subject split by hand, and not a DNS name split', () => {
    expect(subjectSplits("const networkId = subject.split('.')[3]!;")).toStrictEqual([1]);
    expect(subjectSplits("select.knowPort(raw.subject.split('.')[3]!);\nconst [, , kind, first] = stored.subject.split('.');")).toStrictEqual([1, 2]);
    expect(subjectSplits("const parts = text.split('.').slice(2);\nconst ids = s.split('/');\nconst t = key.split('.')[2];")).toStrictEqual([1, 3]);
    expect(subjectSplits("return domain.split('.').every((label) => LABEL.test(label));\nconst label = name?.split('.')[0];")).toStrictEqual([]);
  });

  test('no package but resources, lease-actor and protocol builds an envelope literal or splits an event subject (tests aside)', () => {
    const files = scannedFiles();
    expect(files.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      for (const line of envelopeLiterals(source)) found.push(`${relative(ROOT, file)}:${line}: an envelope built by hand (use the aggregate's to…Envelope, or protocol's eventEnvelope)`);
      for (const line of subjectSplits(source)) found.push(`${relative(ROOT, file)}:${line}: an event subject split by hand (use the aggregate's …IdOf, or eventSubjectParts)`);
    }
    expect(found).toStrictEqual([]);
  });
});
