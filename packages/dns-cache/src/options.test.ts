import { describe, expect, test } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import { DEFAULT_CONFIG, effectiveResolvFiles } from './config.js';
import { ConfigError } from './errors.js';
import { parseHostsFile, parseResolvConf } from './hosts.js';
import { loadDnsConfig } from './conf-files.js';
import { applyItems, parseConfigText, parseDnsArgs } from './options.js';

const parse = (text: string) => applyItems(parseConfigText(text, 'test.conf'));

/** The ConfigError a config text throws. */
function errorOf(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('each option with its dnsmasq meaning', () => {
  test('edns-packet-max, rrl-rate, rrl-slip, rrl-table-size and minimal-any set the hostile-input limits, with dnsmasq\'s 1232 and RRL off by default', () => {
    expect(DEFAULT_CONFIG).toMatchObject({ ednsPacketMax: 1232, rrlRate: 0, rrlSlip: 2, minimalAny: true });
    expect(parse('edns-packet-max=4096\nrrl-rate=20\nrrl-slip=0\nrrl-table-size=1000\nno-minimal-any')).toMatchObject({
      ednsPacketMax: 4096, rrlRate: 20, rrlSlip: 0, rrlTableSize: 1000, minimalAny: false,
    });
    expect(parse('edns-packet-max=100').ednsPacketMax).toBe(512);
    expect(errorOf('\nrrl-rate=fast')).toMatchObject({ line: 2, option: 'rrl-rate', reason: 'bad number' });
    expect(errorOf('edns-packet-max=70000')).toMatchObject({ option: 'edns-packet-max' });
  });

  test('listen-address may be given several times and as a comma list', () => {
    expect(parse('listen-address=127.0.0.1\nlisten-address=198.18.0.1,::1').listenAddresses).toEqual(['127.0.0.1', '198.18.0.1', '::1']);
  });

  test('port sets the port and port=0 is kept as "DNS off"', () => {
    expect(parse('port=5353').port).toBe(5353);
    expect(parse('port=0').port).toBe(0);
    expect(DEFAULT_CONFIG.port).toBe(53);
  });

  test('interface, resolv-file, no-resolv, addn-hosts and domain are read as given', () => {
    const c = parse('interface=eth0\nresolv-file=/tmp/r.conf\naddn-hosts=/tmp/h1\naddn-hosts=/tmp/h2\ndomain=Corp.Example.');
    expect(c).toMatchObject({ interfaces: ['eth0'], resolvFiles: ['/tmp/r.conf'], addnHosts: ['/tmp/h1', '/tmp/h2'], domain: 'corp.example' });
    expect(effectiveResolvFiles(c)).toEqual(['/tmp/r.conf']);
    expect(effectiveResolvFiles(parse('no-resolv'))).toEqual([]);
    expect(effectiveResolvFiles(parse(''))).toEqual(['/etc/resolv.conf']);
  });

  test('server= takes ip[#port] plainly, /domain/ip for a domain, /domain/ for local only and /domain/# for the defaults', () => {
    const c = parse('server=198.18.255.4\nserver=198.18.255.8#5353\nserver=::1#54\nserver=/corp/lab/198.18.0.53\nserver=/local/\nserver=/x/#');
    expect(c.servers).toEqual([
      { address: '198.18.255.4', port: 53, family: 4 },
      { address: '198.18.255.8', port: 5353, family: 4 },
      { address: '::1', port: 54, family: 6 },
    ]);
    expect(c.domainServers).toEqual([
      { domain: 'corp', server: { address: '198.18.0.53', port: 53, family: 4 } },
      { domain: 'lab', server: { address: '198.18.0.53', port: 53, family: 4 } },
      { domain: 'local', server: 'local' },
      { domain: 'x', server: 'default' },
    ]);
  });

  test('the boolean flags set their option', () => {
    const c = parse('strict-order\nall-servers\nno-negcache\nexpand-hosts\ndomain-needed\nbogus-priv\nlocal-service');
    expect(c).toMatchObject({ strictOrder: true, allServers: true, noNegcache: true, expandHosts: true, domainNeeded: true, bogusPriv: true, localService: true });
  });

  test('use-stale-cache and serve-stale take an optional number of seconds, a day and an hour when bare; prefetch a percentage, 10 when bare', () => {
    expect(DEFAULT_CONFIG).toMatchObject({ useStaleCache: undefined, serveStale: undefined });
    expect(parse('use-stale-cache\nserve-stale')).toMatchObject({ useStaleCache: 86_400, serveStale: 3600 });
    expect(parse('use-stale-cache=0\nserve-stale=600')).toMatchObject({ useStaleCache: 0, serveStale: 600 });
    expect(applyItems(parseDnsArgs(['--use-stale-cache', '--serve-stale=60', '--no-resolv']).items)).toMatchObject({ useStaleCache: 86_400, serveStale: 60, noResolv: true });
    expect(errorOf('serve-stale=soon')).toMatchObject({ option: 'serve-stale', reason: 'bad number' });
    expect(parse('prefetch').prefetch).toBe(10);
    expect(parse('prefetch=25%').prefetch).toBe(25);
    expect(errorOf('prefetch=100')).toMatchObject({ option: 'prefetch', reason: 'number over 99' });
  });

  test('the cache numbers are read, and min-cache-ttl is capped at an hour as dnsmasq does', () => {
    const c = parse('cache-size=0\nneg-ttl=60\nmin-cache-ttl=99999\nmax-cache-ttl=600\nlocal-ttl=5\ndns-forward-max=10');
    expect(c).toMatchObject({ cacheSize: 0, negTtl: 60, minCacheTtl: 3600, maxCacheTtl: 600, localTtl: 5, forwardMax: 10 });
  });

  test('address=/domain/[ip] covers each domain listed, with an empty ip meaning NXDOMAIN', () => {
    expect(parse('address=/ads.example/tracker.example/0.0.0.0\naddress=/gone.example/\naddress=/v6.example/fd00::1').addresses).toEqual([
      { domain: 'ads.example', ip: '0.0.0.0' },
      { domain: 'tracker.example', ip: '0.0.0.0' },
      { domain: 'gone.example', ip: undefined },
      { domain: 'v6.example', ip: 'fd00::1' },
    ]);
  });

  test('host-record takes several names, IPv4 and IPv6 addresses and an optional TTL', () => {
    expect(parse('host-record=a.lan,b,198.18.0.1,fd00::1,300').hostRecords).toEqual([{ names: ['a.lan', 'b'], ipv4: ['198.18.0.1'], ipv6: ['fd00::1'], ttl: 300 }]);
  });

  test('comments start a line or follow white space, but a # inside a value stays', () => {
    expect(parse('# a comment\n  \nserver=198.18.255.4#5353 # the lab resolver').servers).toEqual([{ address: '198.18.255.4', port: 5353, family: 4 }]);
  });

  test('dhcp- options, log-dhcp and log-facility are accepted and ignored; log-queries turns query lines on', () => {
    expect(parse('dhcp-range=198.18.0.10,198.18.0.20\nlog-dhcp\nbind-interfaces\nlog-facility=-')).toEqual(DEFAULT_CONFIG);
    expect(parse('log-queries')).toEqual({ ...DEFAULT_CONFIG, logQueries: true });
  });
});

describe('errors name the file, line and option', () => {
  const cases: [string, string, number, string][] = [
    ['port=53\nlisten-address=198.18.255', 'bad address', 2, 'listen-address'],
    ['port=99999', 'number over 65535', 1, 'port'],
    ['\n\ncache-size=lots', 'bad number', 3, 'cache-size'],
    ['server=198.18.255.4#0', 'bad port', 1, 'server'],
    ['server=/corp/not-an-ip', 'bad address', 1, 'server'],
    ['server=', 'missing server address', 1, 'server'],
    ['address=example.com/198.18.255.4', 'bad address rule (expected /domain/[ip])', 1, 'address'],
    ['address=/bad domain/198.18.255.4', 'bad domain', 1, 'address'],
    ['host-record=198.18.0.1', 'missing name', 1, 'host-record'],
    ['host-record=a.lan', 'missing address', 1, 'host-record'],
    ['host-record=a.lan,198.18.0.1,b.lan', 'bad address', 1, 'host-record'],
    ['domain=-bad-', 'bad domain', 1, 'domain'],
    ['no-such-option=1', 'bad option', 1, 'no-such-option'],
    ['# one\nstrict-order=yes', 'extraneous parameter', 2, 'strict-order'],
    ['cache-size', 'missing parameter', 1, 'cache-size'],
    ['local-network=198.18.0.1/15', 'bad network (expected a.b.c.d/len)', 1, 'local-network'],
  ];
  test.each(cases)('%j fails with "%s" at line %i (%s)', (text, reason, line, option) => {
    const error = errorOf(text);
    expect(error).toMatchObject({ reason, line, option, file: 'test.conf' });
    expect(error.message).toBe(`${reason} (${option}) at line ${line} of test.conf`);
  });

  // Options that may repeat (port and cache-size may not: dnsmasq's "illegal repeated keyword", below).
  propTest.prop([fc.array(fc.constantFrom('server=198.18.255.1', 'strict-order', '# c', '', 'domain-needed'), { maxLength: 20 })])(
    'the line of the first bad option is reported, whatever comes before it',
    (good) => {
      expect(errorOf([...good, 'port=x', 'port=y'].join('\n')).line).toBe(good.length + 1);
    },
  );
});

describe('the command line', () => {
  test('flags take dnsmasq names, with values after a space or =, and --test and --conf-file are the command own', () => {
    const args = parseDnsArgs(['--listen-address', '127.0.0.1', '--port=5353', '--server', '198.18.255.4#53', '--strict-order', '--test', '--conf-file', 'x.conf']);
    expect(args.test).toBe(true);
    expect(args.confFiles).toEqual(['x.conf']);
    const config = loadDnsConfig(args, { readFile: () => 'cache-size=7\nport=53\n', regularFiles: () => [] });
    expect(config).toMatchObject({ listenAddresses: ['127.0.0.1'], port: 5353, servers: [{ address: '198.18.255.4', port: 53, family: 4 }], strictOrder: true, cacheSize: 7 });
  });

  test('a bad flag is reported by its position on the command line', () => {
    expect(() => loadDnsConfig(parseDnsArgs(['--port', '53', '--cache-size', 'x']))).toThrow('bad number (cache-size) at line 3 of command line');
    expect(() => parseDnsArgs(['--port'])).toThrow('missing parameter (port) at line 1 of command line');
    expect(() => parseDnsArgs(['stray'])).toThrow(ConfigError);
  });

  test('a conf-file that cannot be read is a ConfigError naming it', () => {
    expect(() => loadDnsConfig(parseDnsArgs(['--conf-file=/nonexistent/dnsmasq.conf']))).toThrow(/cannot read \/nonexistent\/dnsmasq.conf/);
  });
});

describe('hosts and resolv.conf files', () => {
  test('a hosts file gives each address its names and skips bad lines by number', () => {
    const { entries, skipped } = parseHostsFile('127.0.0.1 localhost\n# c\n198.18.0.1 a b.lan # tail\nbad line\nfd00::2 v6\n');
    expect(entries.map((e) => [e.ip, e.names, e.line])).toEqual([
      ['127.0.0.1', ['localhost'], 1],
      ['198.18.0.1', ['a', 'b.lan'], 3],
      ['fd00::2', ['v6'], 5],
    ]);
    expect(skipped).toEqual([4]);
  });

  test('resolv.conf nameserver lines become port-53 upstreams; other lines are ignored', () => {
    expect(parseResolvConf('search lan\nnameserver 198.18.0.53\nnameserver ::1 # v6\noptions ndots:2\nnameserver fe80::1%eth0\n')).toEqual([
      { address: '198.18.0.53', port: 53, family: 4 },
      { address: '::1', port: 53, family: 6 },
    ]);
  });
});

describe("dnsmasq 2.90's rules on repeated options (the conformance corpus found them)", () => {
  test('an option dnsmasq takes once is "illegal repeated keyword" at its second line in the files, whichever file', () => {
    expect(errorOf('cache-size=100\nno-resolv\ncache-size=200')).toMatchObject({ line: 3, option: 'cache-size', reason: 'illegal repeated keyword' });
    for (const once of ['port=53', 'neg-ttl=60', 'local-ttl=5', 'mx-target=m.test', 'local-service', 'dns-forward-max=100', 'edns-packet-max=1232']) {
      expect(errorOf(`${once}\n${once}`)).toMatchObject({ line: 2, reason: 'illegal repeated keyword' });
    }
    // Repeatable ones stay repeatable.
    expect(parse('server=198.18.255.1\nserver=198.18.255.2\ndomain-needed\ndomain-needed').servers).toHaveLength(2);
  });

  test('twice on the command line is "illegal repeated flag"; a flag overrides the files\' value, as the command line comes last', () => {
    expect(() => applyItems(parseDnsArgs(['--cache-size=1', '--cache-size=2']).items)).toThrow(/illegal repeated flag/);
    const items = [...parseConfigText('cache-size=1000', 'nm.conf'), ...parseDnsArgs(['--cache-size=400']).items];
    expect(applyItems(items).cacheSize).toBe(400);
  });

  test('an alias named twice, in one cname line or two, is "duplicate CNAME"; a shared target is not', () => {
    expect(errorOf('cname=a.test,b.test\ncname=A.test,c.test')).toMatchObject({ line: 2, reason: 'duplicate CNAME' });
    expect(errorOf('cname=a.test,a.test,b.test')).toMatchObject({ line: 1, reason: 'duplicate CNAME' });
    expect(parse('cname=a.test,b.test\ncname=c.test,b.test\ncname=b.test,d.test').cnames).toHaveLength(3);
  });

  test("NetworkManager's flags are accepted: clear-on-reload sets clearOnReload, enable-dbus and proxy-dnssec change nothing else", () => {
    expect(applyItems(parseDnsArgs(['--clear-on-reload', '--enable-dbus=org.freedesktop.NetworkManager.dnsmasq', '--proxy-dnssec']).items)).toEqual({ ...DEFAULT_CONFIG, clearOnReload: true });
    expect(parse('enable-dbus').clearOnReload).toBe(false);
  });
});
