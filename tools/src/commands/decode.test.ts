import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fc, test } from '@fast-check/vitest';
import {
  DhcpMessageType,
  decodeDhcp,
  decodeDns,
  encodeDhcp,
  encodeDns,
  parseIpv4,
  type DhcpMessage,
  type DnsRecord,
} from '@leasehold/protocol';
import { dhcpMessage, dnsMessage } from '@leasehold/protocol/testing';
import { afterAll, describe, expect } from 'vitest';
import { dhcpOptionName, dnsTypeName } from './decode-json.js';
import { EXIT_DECODE_FAILED, EXIT_OK, EXIT_USAGE, formatTimestamp, parseHex, pcapDatagrams, runDecode, type DecodeFormat } from './decode.js';

const bin = fileURLToPath(new URL('../../bin/leasehold.mjs', import.meta.url));
const fixtures = fileURLToPath(new URL('../../../packages/protocol/fixtures/', import.meta.url));
const fixture = (name: string) => join(fixtures, name);
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

type Json = Record<string, any>;

/** Runs runDecode in this process and collects what it writes, one parsed object per line. */
function decodeHere(format: DecodeFormat, args: readonly string[], ports?: number[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = runDecode(format, args, { ports }, { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t) });
  const parse = (lines: string[]) => lines.map((line) => JSON.parse(line) as Json);
  return { code, stdout: parse(stdout), stderr: stderr.join('') };
}

/** Runs the real `leasehold` binary. */
function leasehold(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'decode', ...args], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Json);

/** True if some object in `value` has numeric keys: what JSON.stringify makes of a typed array. */
function hasTypedArrayResidue(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasTypedArrayResidue);
  if (value === null || typeof value !== 'object') return false;
  return Object.keys(value).some((k) => /^\d+$/.test(k)) || Object.values(value).some(hasTypedArrayResidue);
}

const separators = fc.constantFrom('', ' ', ':', '\n', '-', '  ');

describe('parseHex', () => {
  test.prop([fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.array(separators, { minLength: 64, maxLength: 64 }), fc.boolean(), fc.boolean()])(
    'reads back any bytes written as hex with separators, in either case, with or without 0x',
    (bytes, seps, upper, prefix) => {
      const digits = Array.from(bytes, (b, i) => b.toString(16).padStart(2, '0') + seps[i]!).join('');
      const text = `${prefix ? '0x' : ''}${upper ? digits.toUpperCase() : digits}`;
      expect(parseHex(text)).toEqual(bytes);
    },
  );

  test.prop([fc.uint8Array({ minLength: 1, maxLength: 32 }), fc.constantFrom('g', 'z', '/', ',', 'x', '#')])(
    'refuses text with an odd number of digits or a character that is not hex or a separator',
    (bytes, bad) => {
      const digits = toHex(bytes);
      expect(parseHex(digits.slice(1))).toBeUndefined();
      expect(parseHex(`${digits}${bad}0`)).toBeUndefined();
    },
  );
});

test.prop([fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 999_999_999 })])(
  'formatTimestamp writes the pcap time as UTC with nine fraction digits that read back to the same seconds and nanoseconds',
  (seconds, nanos) => {
    const text = formatTimestamp({ seconds, nanos });
    const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{9})Z$/.exec(text);
    expect(match).not.toBeNull();
    expect(Date.parse(`${match![1]}Z`) / 1000).toBe(seconds);
    expect(Number(match![2])).toBe(nanos);
  },
);

describe('decoding in process', () => {
  test.prop([dhcpMessage()], { numRuns: 150 })(
    'a DHCP message given as hex prints with dotted addresses, hex bytes and every option in order with its name',
    (m) => {
      const { code, stdout, stderr } = decodeHere('dhcp', [toHex(encodeDhcp(m))]);
      expect({ code, stderr }).toEqual({ code: EXIT_OK, stderr: '' });
      expect(stdout).toHaveLength(1);
      const json = stdout[0]!.message as Json;
      expect(hasTypedArrayResidue(json)).toBe(false);
      expect(Number(json.xid)).toBe(m.xid);
      for (const field of ['ciaddr', 'yiaddr', 'siaddr', 'giaddr'] as const) expect(parseIpv4(json[field])).toBe(m[field]);
      expect(Buffer.from(json.chaddr.replaceAll(':', ''), 'hex')).toEqual(Buffer.from(m.chaddr));
      const decoded = decodeDhcp(encodeDhcp(m));
      expect(json.options.map((o: Json) => [o.code, o.name])).toEqual(decoded.options.map((o) => [o.code, dhcpOptionName(o.code)]));
      decoded.options.forEach((option, i) => {
        const shown = json.options[i] as Json;
        if ('raw' in option) expect(shown.raw).toBe(toHex(option.raw));
        else if ([1, 28, 50, 54].includes(option.code)) expect(parseIpv4(shown.value)).toBe(option.value);
        else if ([3, 6, 42].includes(option.code)) expect(shown.value.map(parseIpv4)).toEqual(option.value);
        else if (option.code === 61) expect(shown.value).toBe(toHex(option.value as Uint8Array));
      });
    },
  );

  test.prop([dnsMessage], { numRuns: 60 })(
    'a DNS message given as hex prints its id, questions with type names, and rdata bytes as hex or text that read back',
    (m) => {
      const { code, stdout } = decodeHere('dns', [toHex(encodeDns(m))]);
      expect(code).toBe(EXIT_OK);
      const json = stdout[0]!.message as Json;
      expect(hasTypedArrayResidue(json)).toBe(false);
      expect(json.id).toBe(m.id);
      expect(json.questions.map((q: Json) => [q.name, q.type])).toEqual(m.questions.map((q) => [q.name, dnsTypeName(q.type)]));
      const sections = ['answers', 'authorities', 'additionals'] as const;
      for (const section of sections) {
        const decoded = decodeDns(encodeDns(m))[section];
        expect(json[section]).toHaveLength(decoded.length);
        decoded.forEach((record: DnsRecord, i: number) => {
          const shown = json[section][i] as Json;
          if (record.type === 'UNKNOWN') expect(Buffer.from(shown.data, 'hex')).toEqual(Buffer.from(record.data));
          else if (record.type === 'TXT') expect(shown.data.map((s: string) => Buffer.from(s, 'latin1'))).toEqual(record.data.map((s) => Buffer.from(s)));
          else if (record.type === 'OPT') expect(shown.options.map((o: Json) => o.data)).toEqual(record.options.map((o) => toHex(o.data)));
          else expect(shown.data).toEqual(record.data);
        });
      }
    },
  );

  test('each message that does not decode gives its typed error with the offset on stderr, the others still print, and the exit code is 1', () => {
    const good = encodeDhcp(request());
    const badCookie = Uint8Array.from(good);
    badCookie[236] = 0;
    const truncated = good.subarray(0, 100);
    const { code, stdout, stderr } = decodeHere('dhcp', [toHex(truncated), toHex(good), toHex(badCookie)]);
    expect(code).toBe(EXIT_DECODE_FAILED);
    expect(stdout).toHaveLength(1);
    const errors = lines(stderr).map((e) => e.error as Json);
    expect(errors.map((e) => [e.name, e.format, e.offset])).toEqual([
      ['DhcpTruncatedError', 'dhcp', 100],
      ['DhcpMagicCookieError', 'dhcp', 236],
    ]);
    expect(errors.every((e) => typeof e.reason === 'string' && e.reason.length > 0)).toBe(true);
  });

  test('a DNS error names its kind: a label over 63 bytes is label-too-long at the offset of its length byte', () => {
    const query = Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64, ...new Array<number>(64).fill(97), 0, 0, 1, 0, 1]);
    const { code, stderr } = decodeHere('dns', [toHex(query)]);
    expect(code).toBe(EXIT_DECODE_FAILED);
    expect(lines(stderr)[0]!.error).toMatchObject({ name: 'DnsDecodeError', kind: 'label-too-long', offset: 12 });
  });

  test('an input that is neither a file nor hex is a usage error: exit 2 and nothing decoded', () => {
    const { code, stdout, stderr } = decodeHere('dhcp', [toHex(encodeDhcp(request())), 'no/such/file.pcap']);
    expect(code).toBe(EXIT_USAGE);
    expect(stdout).toEqual([]);
    expect(stderr).toContain('no/such/file.pcap');
  });

  test('a raw datagram file and a file of hex text decode to the same message as hex on the command line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-decode-'));
    try {
      const bytes = encodeDhcp(request());
      writeFileSync(join(dir, 'raw.bin'), bytes);
      writeFileSync(join(dir, 'text.hex'), `${toHex(bytes).replace(/(..)/g, '$1 ').replace(/(.{48})/g, '$1\n')}\n`);
      const { code, stdout } = decodeHere('dhcp', [join(dir, 'raw.bin'), join(dir, 'text.hex'), toHex(bytes)]);
      expect(code).toBe(EXIT_OK);
      expect(stdout.map((o) => o.source)).toEqual([join(dir, 'raw.bin'), join(dir, 'text.hex'), 'hex']);
      expect(stdout[1]!.message).toEqual(stdout[0]!.message);
      expect(stdout[2]!.message).toEqual(stdout[0]!.message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('pcap payloads are chosen by port: only those to or from the given ports are decoded', () => {
    const bytes = readFileSync(fixture('dns-udp.pcap'));
    const all = pcapDatagrams('dns', 'f', bytes, [53]);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every(({ meta }) => meta.sport === 53 || meta.dport === 53)).toBe(true);
    expect(pcapDatagrams('dns', 'f', bytes, [5353])).toEqual([]);
    expect(pcapDatagrams('dhcp', 'f', bytes, [67, 68])).toEqual([]);
  });
});

/** A DHCPREQUEST as a client in INIT-REBOOT sends it (RFC 2131 4.3.2). */
function request(): DhcpMessage {
  return {
    op: 1, htype: 1, hops: 0, xid: 0x1234abcd, secs: 3, flags: 0x8000,
    ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: 0,
    chaddr: Uint8Array.from([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]),
    sname: '', file: '',
    options: [
      { code: 53, value: DhcpMessageType.Request },
      { code: 50, value: parseIpv4('198.18.10.120') },
      { code: 12, value: 'vm-1' },
      { code: 55, value: [1, 3, 6, 15, 119, 121] },
      { code: 250, raw: Uint8Array.from([1, 2, 3]) },
    ],
  };
}

describe('the leasehold binary', () => {
  // Started together: each run costs about half a second of Node start-up and module loading.
  const dhcpFiles = ['dhcp-dhclient.pcap', 'dhcp-udhcpc.pcap', 'dhcp-dhcpcd.pcap', 'dhcp-relayed.pcap'].map(fixture);
  const dnsFiles = ['dns-udp.pcap', 'dns-tcp.pcap'].map(fixture);
  const dhcp6Files = ['dhcp6-dhclient.pcap', 'dhcp6-rapid.pcap', 'dhcp6-stateless.pcap', 'dhcp6-dhcpcd.pcap', 'dhcp6-relayed.pcap'].map(fixture);
  const good = encodeDhcp(request());
  const badCookie = Uint8Array.from(good);
  badCookie[238] = 0xff - good[238]!;
  const runs = {
    dhcp: leasehold('dhcp', ...dhcpFiles),
    dns: leasehold('dns', ...dnsFiles),
    dhcp6: leasehold('dhcp6', ...dhcp6Files),
    hex: leasehold('dhcp', '--pretty', Buffer.from(good).toString('hex').match(/../g)!.join(':'), toHex(badCookie)),
    usage: leasehold('xml', '00'),
  };
  afterAll(() => Promise.all(Object.values(runs)));

  test('decodes every DHCP fixture pcap: message types in capture order, frame, time and 5-tuple beside each', async () => {
    const { code, stdout, stderr } = await runs.dhcp;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const out = lines(stdout);
    const types = (file: string) =>
      out.filter((o) => o.source === file).map((o) => o.message.options.find((x: Json) => x.code === 53)?.value as string);
    const exchange = ['DHCPDISCOVER', 'DHCPOFFER', 'DHCPREQUEST', 'DHCPACK', 'DHCPRELEASE'];
    for (const file of dhcpFiles.slice(0, 3)) expect(types(file)).toEqual(exchange);
    // The relay's capture sees each message on both legs, and the release three times (fixtures/README.md).
    expect(types(dhcpFiles[3]!)).toEqual(['DHCPDISCOVER', 'DHCPDISCOVER', 'DHCPOFFER', 'DHCPOFFER', 'DHCPREQUEST', 'DHCPREQUEST', 'DHCPACK', 'DHCPACK', 'DHCPRELEASE', 'DHCPRELEASE', 'DHCPRELEASE']);
    for (const file of dhcpFiles) {
      const frames = out.filter((o) => o.source === file).map((o) => o.frame as number);
      expect(frames).toEqual([...frames].sort((a, b) => a - b));
    }
    for (const o of out) {
      expect(o.proto).toBe('udp');
      expect([o.sport, o.dport].some((p) => p === 67 || p === 68)).toBe(true);
      expect(o.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      expect(parseIpv4(o.src)).toBeTypeOf('number');
      expect(o.message.op).toBe(o.sport === 68 ? 'BOOTREQUEST' : o.dport === 68 ? 'BOOTREPLY' : o.message.op);
    }
    const requests = out.filter((o) => o.message.options.some((x: Json) => x.code === 53 && x.value === 'DHCPREQUEST'));
    expect(requests.length).toBe(5);
    for (const o of requests) expect(o.message.options).toContainEqual({ code: 53, name: 'message-type', value: 'DHCPREQUEST' });
    const acks = out.filter((o) => o.message.options.some((x: Json) => x.code === 53 && x.value === 'DHCPACK'));
    for (const o of acks) expect(o.message.options).toContainEqual({ code: 54, name: 'server-id', value: expect.stringMatching(/^198\.18\.\d+\.\d+$/) });
  });

  test('decodes every DNS fixture pcap, UDP and reassembled TCP, each response after its query', async () => {
    const { code, stdout, stderr } = await runs.dns;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const out = lines(stdout);
    for (const [file, proto] of [[dnsFiles[0]!, 'udp'], [dnsFiles[1]!, 'tcp']] as const) {
      const messages = out.filter((o) => o.source === file);
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.every((o) => o.proto === proto && (o.sport === 53 || o.dport === 53))).toBe(true);
      for (const [i, o] of messages.entries()) {
        const isResponse = (o.message.flags as string[]).includes('qr');
        expect(isResponse).toBe(i % 2 === 1);
        if (isResponse) {
          expect(o.message.id).toBe(messages[i - 1]!.message.id);
          expect(o.message.questions).toEqual(messages[i - 1]!.message.questions);
        }
      }
    }
    const hostA = out.find((o) => o.message.questions[0].name === 'host1.lhfx.test' && o.message.questions[0].type === 'A' && o.message.answers.length > 0);
    expect(hostA?.message.answers[0]).toEqual({ name: 'host1.lhfx.test', type: 'A', class: 'IN', ttl: 300, data: '198.18.10.50' });
    expect(out.some((o) => o.message.rcode === 'NXDOMAIN')).toBe(true);
  });

  test('decodes every DHCPv6 fixture pcap on ports 546/547: message types in capture order, DUIDs, addresses as text, relayed messages nested', async () => {
    const { code, stdout, stderr } = await runs.dhcp6;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const out = lines(stdout);
    expect(out.some(hasTypedArrayResidue)).toBe(false);
    const types = (file: string) => out.filter((o) => o.source === fixture(file)).map((o) => o.message.type as string);
    expect(types('dhcp6-dhclient.pcap')).toEqual(['SOLICIT', 'ADVERTISE', 'REQUEST', 'REPLY', 'RELEASE', 'REPLY']);
    expect(types('dhcp6-stateless.pcap')).toEqual(['INFORMATION-REQUEST', 'REPLY']);
    expect(types('dhcp6-relayed.pcap').slice(0, 4)).toEqual(['SOLICIT', 'RELAY-FORW', 'RELAY-REPL', 'ADVERTISE']);
    for (const o of out) expect([o.sport, o.dport].some((p) => p === 546 || p === 547)).toBe(true);
    const option = (m: Json, code: number) => (m.options as Json[]).find((x) => x.code === code)!;
    const advertise = out.find((o) => o.message.type === 'ADVERTISE')!.message;
    expect(option(advertise, 2)).toEqual({ code: 2, name: 'server-id', value: { type: 'DUID-EN', enterpriseNumber: 32473, identifier: Buffer.from('lhfx6').toString('hex') } });
    expect(option(advertise, 23)).toEqual({ code: 23, name: 'dns-servers', value: ['2001:db8:1::53', '2001:db8:1::54'] });
    expect(option(advertise, 24)).toEqual({ code: 24, name: 'domain-list', value: ['lhfx.test.', 'sub.lhfx.test.'] });
    expect(option(advertise, 3).value.options[0].value.address).toMatch(/^2001:db8:1::1[0-9a-f]{2}$/);
    const forw = out.find((o) => o.message.type === 'RELAY-FORW')!.message;
    expect(forw).toMatchObject({ hopCount: 0, linkAddress: '2001:db8:2::1', peerAddress: expect.stringMatching(/^fe80::/) });
    expect(option(forw, 9).value.type).toBe('SOLICIT');
    expect(option(option(forw, 9).value, 1).value).toMatchObject({ type: 'DUID-LLT', linkLayerAddress: '02:00:db:08:02:02' });
  });

  test('decodes a hex DHCP packet with --pretty, reports the bad one as a typed error on stderr, and exits 1', async () => {
    const { code, stdout, stderr } = await runs.hex;
    expect(code).toBe(1);
    expect(stdout).toMatch(/^\{\n {2}"source": "hex",\n/);
    const shown = JSON.parse(stdout) as Json;
    expect(shown.message).toMatchObject({ op: 'BOOTREQUEST', xid: '0x1234abcd', broadcast: true, chaddr: '52:54:00:12:34:56' });
    expect(shown.message.options).toEqual([
      { code: 53, name: 'message-type', value: 'DHCPREQUEST' },
      { code: 50, name: 'requested-ip', value: '198.18.10.120' },
      { code: 12, name: 'host-name', value: 'vm-1' },
      { code: 55, name: 'parameter-request-list', value: [1, 3, 6, 15, 119, 121], names: ['subnet-mask', 'routers', 'domain-name-servers', 'domain-name', 'domain-search', 'classless-static-routes'] },
      { code: 250, name: 'unknown', raw: '010203' },
    ]);
    const error = JSON.parse(stderr) as Json;
    expect(error.bytes).toBe(toHex(badCookie));
    expect(error.error).toMatchObject({ name: 'DhcpMagicCookieError', format: 'dhcp', offset: 236 });
  });

  test('an unknown format is a usage error with exit code 2', async () => {
    const { code, stdout, stderr } = await runs.usage;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain("'xml' is invalid");
  });
});
