/**
 * A small schema language for event data: each schema is a plain node (that
 * test generators can walk) plus a checker compiled from it once. The checker
 * is the hot path of every fold (lease events arrive at 100k/s): it allocates
 * nothing on success, and builds its description of the problem (a path and
 * what was expected) only on failure. Static types follow from the schema
 * (`Infer`), so events/validators.ts can prove at compile time that each
 * schema describes exactly the type its writers write.
 */
import type { Ipv4 } from '../ipv4/address.js';
import type { Ipv4Cidr } from '../ipv4/cidr.js';
import type { Ipv4Range } from '../ipv4/range.js';
import { formatIpv6, tryParseIpv6 } from '../ipv6/address.js';
import { formatIpv6Prefix, parseIpv6Prefix } from '../ipv6/prefix.js';

/** What is wrong with a value, and where (keys and indexes from the checked value down). */
export interface SchemaProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

export type SchemaNode =
  | { readonly kind: 'string'; readonly minLength: number; readonly maxLength: number; readonly pattern?: RegExp; readonly notIn?: readonly string[] }
  | { readonly kind: 'number'; readonly integer: boolean; readonly min: number; readonly max: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'literal'; readonly values: readonly string[] }
  | { readonly kind: 'nullable'; readonly of: SchemaNode }
  | { readonly kind: 'array'; readonly of: SchemaNode; readonly maxLength: number }
  | { readonly kind: 'record'; readonly of: SchemaNode }
  | { readonly kind: 'object'; readonly fields: readonly FieldNode[]; readonly strict: boolean }
  | { readonly kind: 'cidr' }
  | { readonly kind: 'range' }
  | { readonly kind: 'ipv6' }
  | { readonly kind: 'ipv6Prefix' }
  | { readonly kind: 'ipv6Range' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'refined'; readonly of: SchemaNode; readonly rule: string };

export interface FieldNode {
  readonly key: string;
  readonly optional: boolean;
  readonly node: SchemaNode;
}

type Check = (value: unknown) => SchemaProblem | undefined;

/** A schema of values of type `T`. `check` is pure and never throws. */
export interface Schema<T> {
  readonly node: SchemaNode;
  readonly check: Check;
  /** Type carrier only; never set. */
  readonly _type?: T;
}

/** An optional field of an `object` schema. */
export interface Optional<T> {
  readonly optional: Schema<T>;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Field = Schema<unknown> | Optional<unknown>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<F extends Record<string, Field>> = Simplify<
  { readonly [K in keyof F as F[K] extends Optional<unknown> ? never : K]: Infer<F[K]> } & {
    readonly [K in keyof F as F[K] extends Optional<unknown> ? K : never]?: F[K] extends Optional<infer T> ? T : never;
  }
>;

function problem(message: string): SchemaProblem {
  return { path: [], message };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return Object.getPrototypeOf(value) === Object.prototype ? 'a map' : `a ${(value as object).constructor?.name ?? 'object'}`;
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  return String(value);
}

/** A plain map as msgpack decodes one (not an array, Map, Date, byte array or class instance). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function make<T>(node: SchemaNode, check: Check): Schema<T> {
  return { node, check };
}

/** Any string within the length bounds (default 0..65,535), matching `pattern` when given, and none of `notIn`. */
export function string(options: { minLength?: number; maxLength?: number; pattern?: RegExp; notIn?: readonly string[] } = {}): Schema<string> {
  const minLength = options.minLength ?? 0;
  const maxLength = options.maxLength ?? 65_535;
  const { pattern, notIn } = options;
  const node: SchemaNode = { kind: 'string', minLength, maxLength, ...(pattern ? { pattern } : {}), ...(notIn ? { notIn } : {}) };
  return make(node, (v) => {
    if (typeof v !== 'string') return problem(`expected a string, got ${describe(v)}`);
    if (v.length < minLength || v.length > maxLength) return problem(`expected ${minLength}..${maxLength} characters, got ${v.length}`);
    if (pattern && !pattern.test(v)) return problem(`${describe(v)} does not match ${pattern}`);
    if (notIn && notIn.includes(v)) return problem(`${describe(v)} is not allowed here`);
    return undefined;
  });
}

/** A finite number in min..max (default: any finite number), an integer when `integer`. */
export function number(options: { integer?: boolean; min?: number; max?: number } = {}): Schema<number> {
  const integer = options.integer ?? false;
  const min = options.min ?? -Number.MAX_VALUE;
  const max = options.max ?? Number.MAX_VALUE;
  return make({ kind: 'number', integer, min, max }, (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return problem(`expected a finite number, got ${describe(v)}`);
    if (integer && !Number.isInteger(v)) return problem(`expected an integer, got ${v}`);
    if (v < min || v > max) return problem(`expected a number in ${min}..${max}, got ${v}`);
    return undefined;
  });
}

export function boolean(): Schema<boolean> {
  return make({ kind: 'boolean' }, (v) => (typeof v === 'boolean' ? undefined : problem(`expected true or false, got ${describe(v)}`)));
}

/** One of the given strings. */
export function literal<const V extends readonly string[]>(...values: V): Schema<V[number]> {
  const set: ReadonlySet<string> = new Set(values);
  return make({ kind: 'literal', values }, (v) =>
    typeof v === 'string' && set.has(v) ? undefined : problem(`expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${describe(v)}`),
  );
}

export function nullable<T>(of: Schema<T>): Schema<T | null> {
  return make({ kind: 'nullable', of: of.node }, (v) => (v === null ? undefined : of.check(v)));
}

/** An array of at most `maxLength` (default 65,535) items of `of`. */
export function array<T>(of: Schema<T>, options: { maxLength?: number } = {}): Schema<readonly T[]> {
  const maxLength = options.maxLength ?? 65_535;
  return make({ kind: 'array', of: of.node, maxLength }, (v) => {
    if (!Array.isArray(v)) return problem(`expected an array, got ${describe(v)}`);
    if (v.length > maxLength) return problem(`expected at most ${maxLength} items, got ${v.length}`);
    for (let i = 0; i < v.length; i++) {
      const p = of.check(v[i]);
      if (p) return (p.path.unshift(i), p);
    }
    return undefined;
  });
}

/** A plain map whose values are all `of` (keys are strings, as msgpack maps decode). */
export function record<T>(of: Schema<T>): Schema<Readonly<Record<string, T>>> {
  return make({ kind: 'record', of: of.node }, (v) => {
    if (!isPlainObject(v)) return problem(`expected a map, got ${describe(v)}`);
    for (const key in v) {
      const p = of.check(v[key]);
      if (p) return (p.path.unshift(key), p);
    }
    return undefined;
  });
}

export function optional<T>(of: Schema<T>): Optional<T> {
  return { optional: of };
}

/**
 * A plain map with these fields. A strict object refuses keys it does not
 * name (for maps a fold spreads into its state, like an update's `changes`);
 * otherwise other keys are ignored. An optional field may be missing or
 * undefined.
 */
export function object<F extends Record<string, Field>>(fields: F, options: { strict?: boolean } = {}): Schema<ObjectOf<F>> {
  const strict = options.strict ?? false;
  const list = Object.entries(fields).map(([key, f]) => {
    const optionalField = 'optional' in f;
    const schema = optionalField ? f.optional : (f as Schema<unknown>);
    return { key, optional: optionalField, node: schema.node, check: schema.check };
  });
  const known: ReadonlySet<string> = new Set(list.map((f) => f.key));
  const node: SchemaNode = { kind: 'object', fields: list.map(({ key, optional, node }) => ({ key, optional, node })), strict };
  return make(node, (v) => {
    if (!isPlainObject(v)) return problem(`expected a map, got ${describe(v)}`);
    for (let i = 0; i < list.length; i++) {
      const f = list[i]!;
      const value = v[f.key];
      if (value === undefined) {
        if (f.optional) continue;
        return { path: [f.key], message: 'missing' };
      }
      const p = f.check(value);
      if (p) return (p.path.unshift(f.key), p);
    }
    if (strict) {
      for (const key in v) if (!known.has(key)) return { path: [key], message: 'is not a field of this map' };
    }
    return undefined;
  });
}

const IPV4_MAX = 0xffffffff;

/** An address: an integer in 0..2^32-1. */
export function ipv4(): Schema<Ipv4> {
  return number({ integer: true, min: 0, max: IPV4_MAX });
}

/** A CIDR block `{ address, prefix }` with its host bits clear. */
export function cidr(): Schema<Ipv4Cidr> {
  const address = ipv4();
  const prefix = number({ integer: true, min: 0, max: 32 });
  return make({ kind: 'cidr' }, (v) => {
    if (!isPlainObject(v)) return problem(`expected a CIDR map, got ${describe(v)}`);
    const a = address.check(v.address);
    if (a) return (a.path.unshift('address'), a);
    const b = prefix.check(v.prefix);
    if (b) return (b.path.unshift('prefix'), b);
    const p = v.prefix as number;
    const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
    if (((v.address as number) & mask) >>> 0 !== v.address) return problem(`the address has host bits set for /${p}`);
    return undefined;
  });
}

/** An inclusive address range `{ first, last }` with first <= last. */
export function range(): Schema<Ipv4Range> {
  const address = ipv4();
  return make({ kind: 'range' }, (v) => {
    if (!isPlainObject(v)) return problem(`expected a range map, got ${describe(v)}`);
    const first = address.check(v.first);
    if (first) return (first.path.unshift('first'), first);
    const last = address.check(v.last);
    if (last) return (last.path.unshift('last'), last);
    if ((v.first as number) > (v.last as number)) return problem('first is after last');
    return undefined;
  });
}

/** The address `v` names when it is an IPv6 address in RFC 5952 text (its one spelling), else undefined. */
function canonicalIpv6Of(v: unknown): bigint | undefined {
  if (typeof v !== 'string' || v.length > 39) return undefined;
  const value = tryParseIpv6(v);
  return value !== undefined && formatIpv6(value) === v ? value : undefined;
}

/** An IPv6 address as RFC 5952 text (one spelling per address, so text keys and compares like the address). */
export function ipv6(): Schema<string> {
  return make({ kind: 'ipv6' }, (v) => (canonicalIpv6Of(v) !== undefined ? undefined : problem(`expected an IPv6 address in RFC 5952 text, got ${describe(v)}`)));
}

/** An IPv6 prefix as RFC 5952 text, host bits clear ("2001:db8:1::/64"). */
export function ipv6Prefix(): Schema<string> {
  return make({ kind: 'ipv6Prefix' }, (v) => {
    if (typeof v === 'string' && v.length <= 43) {
      try {
        if (formatIpv6Prefix(parseIpv6Prefix(v)) === v) return undefined;
      } catch {
        // described below
      }
    }
    return problem(`expected an IPv6 prefix in RFC 5952 text with its host bits clear, got ${describe(v)}`);
  });
}

/** An inclusive IPv6 range `{ first, last }` of RFC 5952 texts with first <= last. */
export function ipv6Range(): Schema<{ readonly first: string; readonly last: string }> {
  const address = ipv6();
  return make({ kind: 'ipv6Range' }, (v) => {
    if (!isPlainObject(v)) return problem(`expected a range map, got ${describe(v)}`);
    const first = address.check(v.first);
    if (first) return (first.path.unshift('first'), first);
    const last = address.check(v.last);
    if (last) return (last.path.unshift('last'), last);
    if (canonicalIpv6Of(v.first)! > canonicalIpv6Of(v.last)!) return problem('first is after last');
    return undefined;
  });
}

/** Anything at all (a field kept for people, like a decision's inputs, that no fold reads). */
export function unknown(): Schema<unknown> {
  return make({ kind: 'unknown' }, () => undefined);
}

/**
 * `schema` with a rule across its fields (`rule` names it for people), checked
 * once the fields are: `test` returns what is wrong, or undefined.
 */
export function refine<T>(schema: Schema<T>, rule: string, test: (value: T) => SchemaProblem | string | undefined): Schema<T> {
  return make({ kind: 'refined', of: schema.node, rule }, (v) => {
    const p = schema.check(v);
    if (p) return p;
    const q = test(v as T);
    return typeof q === 'string' ? problem(q) : q;
  });
}

/** "data.network.id" from a problem's path. Pure. */
export function formatPath(root: string, path: readonly (string | number)[]): string {
  let out = root;
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : /^[A-Za-z_$][\w$]*$/.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
  return out;
}

/** Every field of `fields` made optional (an update's `changes`). */
export function partial<F extends Record<string, Schema<unknown>>>(fields: F): { [K in keyof F]: Optional<Infer<F[K]>> } {
  return Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, optional(schema)])) as { [K in keyof F]: Optional<Infer<F[K]>> };
}
