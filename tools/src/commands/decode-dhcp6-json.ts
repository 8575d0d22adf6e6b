/**
 * Decoded DHCPv6 messages as JSON a person can read, for `leasehold decode
 * dhcp6`: addresses in RFC 5952 text, bytes as hex, message types, option
 * codes, status codes and DUID types beside their registered names, relayed
 * messages shown nested. A view, not an interchange format.
 */
import { formatIpv6, isDhcp6Relay, type Dhcp6Duid, type Dhcp6Message, type Dhcp6Option } from '@leasehold/protocol';
import { hex } from './decode-json.js';

// IANA "DHCPv6 Message Types" (RFC 8415 7.3 and later RFCs).
const MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'SOLICIT', 2: 'ADVERTISE', 3: 'REQUEST', 4: 'CONFIRM', 5: 'RENEW', 6: 'REBIND', 7: 'REPLY', 8: 'RELEASE',
  9: 'DECLINE', 10: 'RECONFIGURE', 11: 'INFORMATION-REQUEST', 12: 'RELAY-FORW', 13: 'RELAY-REPL', 14: 'LEASEQUERY',
  15: 'LEASEQUERY-REPLY', 16: 'LEASEQUERY-DONE', 17: 'LEASEQUERY-DATA', 18: 'RECONFIGURE-REQUEST',
  19: 'RECONFIGURE-REPLY', 20: 'DHCPV4-QUERY', 21: 'DHCPV4-RESPONSE',
};

// IANA "DHCPv6 Option Codes", in kebab case (RFC 8415 21 and the option RFCs).
const OPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'client-id', 2: 'server-id', 3: 'ia-na', 4: 'ia-ta', 5: 'iaaddr', 6: 'oro', 7: 'preference', 8: 'elapsed-time',
  9: 'relay-msg', 11: 'auth', 12: 'unicast', 13: 'status-code', 14: 'rapid-commit', 15: 'user-class',
  16: 'vendor-class', 17: 'vendor-opts', 18: 'interface-id', 19: 'reconf-msg', 20: 'reconf-accept',
  21: 'sip-server-d', 22: 'sip-server-a', 23: 'dns-servers', 24: 'domain-list', 25: 'ia-pd', 26: 'iaprefix',
  27: 'nis-servers', 28: 'nisp-servers', 29: 'nis-domain-name', 30: 'nisp-domain-name', 31: 'sntp-servers',
  32: 'information-refresh-time', 37: 'remote-id', 38: 'subscriber-id', 39: 'client-fqdn', 56: 'ntp-server',
  59: 'bootfile-url', 60: 'bootfile-param', 61: 'client-arch-type', 62: 'nii', 79: 'client-linklayer-addr',
  82: 'sol-max-rt', 83: 'inf-max-rt',
};

// RFC 8415 21.13 and the registry after it.
const STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'Success', 1: 'UnspecFail', 2: 'NoAddrsAvail', 3: 'NoBinding', 4: 'NotOnLink', 5: 'UseMulticast', 6: 'NoPrefixAvail',
};

/** The registered name of a DHCPv6 option code, or "unknown". Pure. */
export function dhcp6OptionName(code: number): string {
  return OPTION_NAMES[code] ?? 'unknown';
}

/** 16 wire bytes as RFC 5952 text. Pure. */
function address(bytes: Uint8Array): string {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return formatIpv6(value);
}

const hardwareAddress = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');

function duidJson(d: Dhcp6Duid): Record<string, unknown> {
  switch (d.kind) {
    case 'llt':
      return { type: 'DUID-LLT', hardwareType: d.hardwareType, time: d.time, linkLayerAddress: hardwareAddress(d.linkLayerAddress) };
    case 'en':
      return { type: 'DUID-EN', enterpriseNumber: d.enterpriseNumber, identifier: hex(d.identifier) };
    case 'll':
      return { type: 'DUID-LL', hardwareType: d.hardwareType, linkLayerAddress: hardwareAddress(d.linkLayerAddress) };
    case 'uuid':
      return { type: 'DUID-UUID', uuid: hex(d.uuid) };
    case 'other':
      return { type: d.type, data: hex(d.data) };
  }
}

/** A DHCPv6 message as readable JSON data; a relayed message appears inside its relay-msg option. Pure. */
export function dhcp6Json(m: Dhcp6Message): Record<string, unknown> {
  const type = MESSAGE_TYPE_NAMES[m.msgType] ?? m.msgType;
  if (isDhcp6Relay(m)) {
    return { type, hopCount: m.hopCount, linkAddress: address(m.linkAddress), peerAddress: address(m.peerAddress), options: m.options.map(optionJson) };
  }
  return { type, transactionId: `0x${m.transactionId.toString(16).padStart(6, '0')}`, options: m.options.map(optionJson) };
}

function optionJson(o: Dhcp6Option): Record<string, unknown> {
  const head = { code: o.code, name: dhcp6OptionName(o.code) };
  if ('raw' in o) return { ...head, raw: hex(o.raw) };
  switch (o.code) {
    case 1:
    case 2:
      return { ...head, value: duidJson(o.value) };
    case 3:
      return { ...head, value: { iaid: o.value.iaid, t1: o.value.t1, t2: o.value.t2, options: o.value.options.map(optionJson) } };
    case 4:
      return { ...head, value: { iaid: o.value.iaid, options: o.value.options.map(optionJson) } };
    case 5: {
      const { preferredLifetime, validLifetime, options } = o.value;
      return { ...head, value: { address: address(o.value.address), preferredLifetime, validLifetime, options: options.map(optionJson) } };
    }
    case 6:
      return { ...head, value: o.value, names: o.value.map(dhcp6OptionName) };
    case 9:
      return { ...head, value: dhcp6Json(o.value) };
    case 13:
      return { ...head, value: { status: o.value.status, name: STATUS_NAMES[o.value.status] ?? 'unknown', message: o.value.message } };
    case 15:
      return { ...head, value: o.value.map(hex) };
    case 16:
      return { ...head, value: { enterpriseNumber: o.value.enterpriseNumber, data: o.value.data.map(hex) } };
    case 18:
      return { ...head, value: hex(o.value) };
    case 23:
      return { ...head, value: o.value.map(address) };
    case 79:
      return { ...head, value: { linkLayerType: o.value.linkLayerType, address: hardwareAddress(o.value.address) } };
    default: // 7, 8, 14, 20, 24, 32, 82: numbers, true, names
      return { ...head, value: o.value };
  }
}
