/**
 * Text names as encodeDns takes them: dot-separated labels of printable ASCII
 * (no '.' or '\' inside a label), an optional trailing dot, "." for the root.
 * A mailbox (SOA RNAME) may write a dot inside its first label as `\.`.
 * These are exactly the names decodeDns gives back, so a round trip is exact.
 */
import { DnsEncodeError } from './errors.js';
import { MAX_LABEL, MAX_NAME } from './wire.js';

const DOT = 0x2e;
const BACKSLASH = 0x5c;

/** The wire length of `name` (uncompressed); throws DnsEncodeError naming `path` if it cannot be written. Pure. */
export function nameWireLength(name: string, path: string, mailbox = false): number {
  if (name === '.') return 1;
  if (name.length === 0) throw new DnsEncodeError(path, 'empty name (the root is ".")');
  let end = name.length;
  if (name.charCodeAt(end - 1) === DOT && name.charCodeAt(end - 2) !== BACKSLASH) end--;
  let wire = 1;
  let labelLength = 0;
  let label = 0;
  for (let i = 0; i <= end; i++) {
    const c = i === end ? DOT : name.charCodeAt(i);
    if (c === DOT) {
      if (labelLength === 0) throw new DnsEncodeError(path, `empty label in ${JSON.stringify(name)}`);
      if (labelLength > MAX_LABEL) throw new DnsEncodeError(path, `label ${label + 1} is ${labelLength} bytes, over 63`);
      wire += labelLength + 1;
      labelLength = 0;
      label++;
    } else if (c === BACKSLASH) {
      const next = i + 2 < end ? name.charCodeAt(i + 2) : DOT;
      if (!mailbox || label !== 0 || name.charCodeAt(i + 1) !== DOT || labelLength === 0 || next === DOT) {
        throw new DnsEncodeError(
          path,
          mailbox
            ? `'\\' only escapes a dot inside the mailbox's first label, not at its ends (${JSON.stringify(name)})`
            : `'\\' in ${JSON.stringify(name)} (labels are printable ASCII without '.' or '\\')`,
        );
      }
      labelLength++;
      i++;
    } else if (c < 0x20 || c > 0x7e) {
      throw new DnsEncodeError(path, `character U+${c.toString(16).padStart(4, '0')} in ${JSON.stringify(name)} (labels are printable ASCII)`);
    } else {
      labelLength++;
    }
  }
  if (wire > MAX_NAME) throw new DnsEncodeError(path, `name is ${wire} bytes in wire form, over 255`);
  return wire;
}
