import { describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG, effectiveHostsFiles } from './config.js';
import { ConfigError } from './errors.js';
import { applyItems, parseConfigText, parseDnsArgs } from './options.js';
import { splitFields } from './record-options.js';

const parse = (text: string) => applyItems(parseConfigText(text, 'test.conf'));

function errorOf(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe("dnsmasq's record options", () => {
  test('cname takes several aliases, one target and an optional TTL', () => {
    expect(parse('cname=www.lan,ftp.lan,host.lan\ncname=ext.lan,example.org,77').cnames).toEqual([
      { aliases: ['www.lan', 'ftp.lan'], target: 'host.lan', ttl: undefined },
      { aliases: ['ext.lan'], target: 'example.org', ttl: 77 },
    ]);
    expect(errorOf('cname=alone.lan')).toMatchObject({ option: 'cname', reason: 'missing target' });
  });

  test('mx-host defaults its preference to 1 and leaves the exchange to mx-target', () => {
    const config = parse('mx-host=lan,mail.lan,10\nmx-host=m2.lan\nmx-host=m3.lan,5\nmx-target=mt.lan');
    expect(config.records).toEqual([
      { name: 'lan', type: 'MX', data: { preference: 10, exchange: 'mail.lan' } },
      { name: 'm2.lan', type: 'MX', data: { preference: 1, exchange: undefined } },
      { name: 'm3.lan', type: 'MX', data: { preference: 5, exchange: undefined } },
    ]);
    expect(config.mxTarget).toBe('mt.lan');
  });

  test('srv-host reads target, port, priority and weight in that order, with port 1 and an empty target by default', () => {
    expect(parse('srv-host=_ldap._tcp.lan,ldap.lan,389,1,2\nsrv-host=_x._tcp').records).toEqual([
      { name: '_ldap._tcp.lan', type: 'SRV', data: { target: 'ldap.lan', port: 389, priority: 1, weight: 2 } },
      { name: '_x._tcp', type: 'SRV', data: { target: '', port: 1, priority: 0, weight: 0 } },
    ]);
    expect(errorOf('srv-host=_x._tcp,t.lan,99999')).toMatchObject({ option: 'srv-host', reason: 'bad number (0..65535)' });
  });

  test('txt-record keeps commas inside quotes and splits text over 255 bytes into strings', () => {
    const long = 'y'.repeat(300);
    expect(parse(`txt-record=t.lan,"v=spf1 a,b",second\ntxt-record=e.lan\ntxt-record=l.lan,${long}`).records).toEqual([
      { name: 't.lan', type: 'TXT', data: ['v=spf1 a,b', 'second'] },
      { name: 'e.lan', type: 'TXT', data: [''] },
      { name: 'l.lan', type: 'TXT', data: ['y'.repeat(255), 'y'.repeat(45)] },
    ]);
    expect(splitFields('a,"b,c",,d')).toEqual(['a', 'b,c', '', 'd']);
  });

  test('ptr-record takes DNS-SD instance names with spaces, and no target', () => {
    expect(parse('ptr-record=_http._tcp.dns-sd-services,"New Employee Page._http._tcp.dns-sd-services"\nptr-record=p.lan').records).toEqual([
      { name: '_http._tcp.dns-sd-services', type: 'PTR', data: 'new employee page._http._tcp.dns-sd-services' },
      { name: 'p.lan', type: 'PTR', data: '' },
    ]);
  });

  test('caa-record, naptr-record and dns-rr become wire rdata (RFC 8659, RFC 3403, hex with colons)', () => {
    const [caa, naptr, rr] = parse('caa-record=lan,0,issue,letsencrypt.org\nnaptr-record=n.lan,10,20,s,SIP+D2U,,_sip._udp.lan\ndns-rr=r.lan,65280,0a0b:0C').records;
    expect(caa).toMatchObject({ name: 'lan', type: 'UNKNOWN', code: 257 });
    expect(Buffer.from(caa!.data as Uint8Array).toString('hex')).toBe('0005' + Buffer.from('issueletsencrypt.org').toString('hex'));
    expect(naptr).toMatchObject({ name: 'n.lan', type: 'UNKNOWN', code: 35 });
    expect(Buffer.from(naptr!.data as Uint8Array).toString('hex')).toBe(
      '000a0014' + '0173' + '07' + Buffer.from('SIP+D2U').toString('hex') + '00' + '045f736970045f756470036c616e00',
    );
    expect(rr).toEqual({ name: 'r.lan', type: 'UNKNOWN', code: 65280, data: Uint8Array.of(0x0a, 0x0b, 0x0c) });
    expect(errorOf('dns-rr=r.lan,1,0g')).toMatchObject({ option: 'dns-rr', reason: 'bad hex data' });
    expect(errorOf('\n\ncaa-record=lan,0')).toMatchObject({ line: 3, option: 'caa-record' });
  });

  test('/etc/hosts is read unless no-hosts, before addn-hosts; hostsdir adds a directory', () => {
    expect(DEFAULT_CONFIG.noHosts).toBe(false);
    expect(effectiveHostsFiles(parse('addn-hosts=/a\nhostsdir=/d'))).toEqual(['/etc/hosts', '/a', '/d']);
    expect(effectiveHostsFiles(parse('no-hosts\naddn-hosts=/a'))).toEqual(['/a']);
  });

  test('the record options work as command-line flags too', () => {
    const args = parseDnsArgs(['--txt-record', 'x.lan,hello', '--cname=y.lan,x.lan', '--no-hosts']);
    expect(applyItems(args.items)).toMatchObject({ noHosts: true, cnames: [{ aliases: ['y.lan'], target: 'x.lan' }], records: [{ name: 'x.lan', type: 'TXT', data: ['hello'] }] });
  });
});
