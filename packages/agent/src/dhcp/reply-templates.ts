/**
 * Encoded replies kept as templates: every OFFER and ACK the server sends a
 * client without a port of its own, without option 61 or 82 to echo, on one
 * scope is the same datagram but for the client's header fields (xid,
 * flags, ciaddr, yiaddr, giaddr, chaddr). Building its options
 * (reply-options.ts) and encoding them cost a tenth of the agent's CPU per
 * exchange under load (issue 19); a template is built by the same code once
 * per scope, message type, server identifier, hardware type and length,
 * maximum size and parameter request list, then copied and stamped.
 *
 * Keyed by the scope's subnet list, which the scope index replaces whenever
 * a network, subnet, binding or the served set changes, so a template never
 * outlives what it was built from (the old list and its templates are then
 * garbage). At most `MAX_PER_SCOPE` templates a scope: clients' parameter
 * request lists vary with their operating systems, a handful per fleet; past
 * that the scope's templates are dropped and built again.
 */
import { writeIpv4, type Ipv4, type SubnetState } from '@leasehold/protocol';

/** The header fields a reply takes from its client (RFC 2131 section 2, figure 1 offsets). */
export interface ReplyHeaderFields {
  readonly xid: number;
  readonly flags: number;
  readonly ciaddr: Ipv4;
  readonly yiaddr: Ipv4;
  readonly giaddr: Ipv4;
  /** As many bytes as the template was built for (its hlen). */
  readonly chaddr: Uint8Array;
}

const XID = 4;
const FLAGS = 10;
const CIADDR = 12;
const YIADDR = 16;
const GIADDR = 24;
const CHADDR = 28;

const MAX_PER_SCOPE = 256;

/**
 * A copy of `template` (a reply encoded with zeros in these fields and a
 * zeroed chaddr of the same length) with the client's fields written in:
 * byte for byte what the encoder writes for the whole message. Pure.
 */
export function stampReplyHeader(template: Uint8Array, fields: ReplyHeaderFields): Uint8Array {
  const bytes = template.slice();
  writeIpv4(bytes, XID, fields.xid >>> 0);
  bytes[FLAGS] = (fields.flags >> 8) & 0xff;
  bytes[FLAGS + 1] = fields.flags & 0xff;
  writeIpv4(bytes, CIADDR, fields.ciaddr);
  writeIpv4(bytes, YIADDR, fields.yiaddr);
  writeIpv4(bytes, GIADDR, fields.giaddr);
  bytes.set(fields.chaddr, CHADDR);
  return bytes;
}

export class ReplyTemplates {
  private readonly byScope = new WeakMap<readonly SubnetState[], Map<string, Uint8Array>>();

  /** The template for `key` on the scope whose subnet list is `scope`, built by `build` the first time. */
  get(scope: readonly SubnetState[], key: string, build: () => Uint8Array): Uint8Array {
    let templates = this.byScope.get(scope);
    if (!templates) this.byScope.set(scope, (templates = new Map()));
    let template = templates.get(key);
    if (template === undefined) {
      if (templates.size >= MAX_PER_SCOPE) templates.clear();
      template = build();
      templates.set(key, template);
    }
    return template;
  }
}
