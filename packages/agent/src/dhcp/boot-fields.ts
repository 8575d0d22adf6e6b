/**
 * The BOOTP boot fields of a reply (siaddr, sname, file) and how options 66
 * and 67 travel, as dnsmasq decides when no dhcp-boot is given (rfc2131.c
 * do_options), which is how Neutron configures network boot: a port's
 * `bootfile-name` goes in the `file` header field unless the client asked
 * for option 67 in its option 55 (or the entry is `force:`), and then as
 * option 67, zero-terminated for the PXE ROMs that need it; `tftp-server`
 * (66) likewise in `sname`; `server-ip-address` sets siaddr.
 */
import { DhcpOptionCode as Code, dhcpOptionBytes, type DhcpOption, type Ipv4 } from '@leasehold/protocol';
import type { ExtraOption } from './option-names.js';

/** dnsmasq's "server-ip-address": the next server, in siaddr. */
export const SERVER_IP_ADDRESS = 255;

/** The header fields of a reply; "" and 0 when unset. */
export interface BootFields {
  readonly siaddr: Ipv4;
  readonly sname: string;
  readonly file: string;
}

const NO_BOOT: BootFields = { siaddr: 0, sname: '', file: '' };

/** The header field each option may travel in, and its size (RFC 2131 section 2: sname 64 bytes, file 128). */
const FIELDS = [
  { code: Code.BootfileName, field: 'file', size: 128 },
  { code: Code.TftpServerName, field: 'sname', size: 64 },
] as const;

/**
 * Moves options 66 and 67 out of `values` into the header fields where
 * dnsmasq would, and zero-terminates those that stay options. A name too
 * long for its field stays an option (dnsmasq would cut it short). siaddr is
 * the chosen `server-ip-address`, else this server when a boot file goes
 * out (dnsmasq puts its own address there in every reply), else 0. Mutates
 * `values`; pure otherwise.
 */
export function takeBootFields(values: Map<number, DhcpOption>, extras: ReadonlyMap<number, ExtraOption>, requested: readonly number[], serverId: Ipv4): BootFields {
  const out = { sname: '', file: '' };
  let booting = false;
  for (const { code, field, size } of FIELDS) {
    const option = values.get(code);
    if (option === undefined) continue;
    const bytes = dhcpOptionBytes(option);
    const text = String.fromCharCode(...bytes).replace(/\0+$/, '');
    if (code === Code.BootfileName) booting = true;
    const asOption = requested.includes(code) || extras.get(code)?.force === true || text.length > size;
    if (asOption) {
      if (bytes[bytes.length - 1] !== 0 && bytes.length < 255) values.set(code, { code, value: `${text}\0` } as DhcpOption);
      continue;
    }
    out[field] = text;
    values.delete(code);
  }
  const next = extras.get(SERVER_IP_ADDRESS)?.siaddr;
  if (next === undefined && !booting) return out.file === '' && out.sname === '' ? NO_BOOT : { siaddr: 0, ...out };
  return { siaddr: next ?? serverId, ...out };
}
