/**
 * What changed between two states: a small structural diff of plain data
 * (objects by key, everything else as a whole), printed one change a line
 * with addresses and times readable.
 */
import { isDeepStrictEqual } from 'node:util';
import { compact, readable } from '../events/render.js';

export interface Change {
  /** Dotted path from the root, e.g. "context.network.mtu". */
  readonly path: string;
  readonly op: '+' | '-' | '~';
  readonly before?: unknown;
  readonly after?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Map) && !(v instanceof Set) && !(v instanceof Date);

/** Changes from `before` to `after`, in key order of `after` then removed keys. Empty when deep-equal. Pure. */
export function diff(before: unknown, after: unknown, path = ''): Change[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const out: Change[] = [];
    const join = (k: string) => (path ? `${path}.${k}` : k);
    for (const key of Object.keys(after)) {
      if (!(key in before) || before[key] === undefined) {
        if (after[key] !== undefined) out.push({ path: join(key), op: '+', after: after[key] });
      } else out.push(...diff(before[key], after[key], join(key)));
    }
    for (const key of Object.keys(before)) {
      if (before[key] !== undefined && (!(key in after) || after[key] === undefined)) out.push({ path: join(key), op: '-', before: before[key] });
    }
    return out;
  }
  if (before === null || before === undefined) return [{ path, op: '+', after }];
  if (after === null || after === undefined) return [{ path, op: '-', before }];
  return [{ path, op: '~', before, after }];
}

function show(value: unknown, path: string): string {
  const key = path.slice(path.lastIndexOf('.') + 1);
  return compact(readable(value, key));
}

/** `~ path: a → b`, `+ path: v`, `- path: v`. Pure. */
export function renderChange(change: Change, labels: readonly [string, string] = ['', '']): string {
  const [a, b] = labels;
  const where = change.path || '(whole)';
  if (change.op === '+') return `+ ${where}: ${b ? `${b} ` : ''}${show(change.after, change.path)}`;
  if (change.op === '-') return `- ${where}: ${a ? `${a} ` : ''}${show(change.before, change.path)}`;
  return `~ ${where}: ${a ? `${a} ` : ''}${show(change.before, change.path)} → ${b ? `${b} ` : ''}${show(change.after, change.path)}`;
}
