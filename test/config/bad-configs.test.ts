// A table of broken configurations: each must produce an error on the exact line, for the
// exact field, with a message that says what was found and what is expected.
import { describe, expect, it } from 'vitest';
import { formatConfigIssue, parseConfigText } from '../../src/config/load.js';
import { expectReported, showIssues } from './bad-config-row.js';
import type { BadConfigRow } from './bad-config-row.js';

const GCM_KEY = `0x${'11'.repeat(20)}`;

/** One SA entry at lines 2-8 of the document (after `sas:` on line 1), with fields replaced or added. */
function saLines(change: Readonly<Record<string, string | null>> = {}, indent = '  '): string[] {
  const base: [string, string][] = [
    ['name', 'a-to-b'], ['direction', 'out'], ['spi', '0x1001'], ['src', '198.51.100.1'],
    ['dst', '198.51.100.2'], ['transform', 'aes128gcm16'], ['enc_key', GCM_KEY],
  ];
  const lines: string[] = [];
  for (const [key, value] of base) {
    const v = key in change ? change[key] : value;
    if (v === null) continue;
    lines.push(`${lines.length === 0 ? `${indent}- ` : `${indent}  `}${key}: ${v}`);
  }
  for (const [key, value] of Object.entries(change)) {
    if (!base.some(([k]) => k === key) && value !== null) lines.push(`${indent}  ${key}: ${value}`);
  }
  return lines;
}

const doc = (...lines: string[]): string => `${lines.join('\n')}\n`;
const oneSa = (change: Readonly<Record<string, string | null>> = {}, ...more: string[]): string => doc('sas:', ...saLines(change), ...more);
const policy = (...fields: string[]): string => doc('policies:', ...fields.map((f, i) => `${i === 0 ? '  - ' : '    '}${f}`));


const ROWS: readonly BadConfigRow[] = [
  // YAML itself
  { title: 'an unclosed flow sequence', text: 'log:\n  level: info\nlisten: [1, 2\n', line: 4, path: '', message: 'YAML syntax: Flow sequence' },
  { title: 'a tab used for indentation', text: 'log:\n\tlevel: info\n', line: 2, path: '', message: 'indent with spaces' },
  { title: 'two YAML documents', text: 'log: {}\n---\nlog: {}\n', line: 2, path: '', message: "expected one YAML document, found several ('---'" },
  { title: 'mapping items at different columns', text: 'log:\n  level: info\n level: debug\n', line: 3, path: '', message: 'YAML syntax' },
  { title: 'an unclosed quote', text: 'log:\n  level: "info\n', line: 3, path: '', message: 'Missing closing "quote' },
  { title: 'a list at the top level', text: '- 1\n- 2\n', line: 1, path: '', message: 'expected the ipsec-ts configuration (a mapping with keys listen,' },
  { title: 'sas that is not a list', text: 'sas: 5\n', line: 1, path: 'sas', message: "expected a list of SAs (lines starting with '- '), got 5" },
  // keys
  { title: 'an unknown top-level key', text: 'lisen:\n  port: 4500\n', line: 1, path: 'lisen', message: "unknown key 'lisen' (did you mean 'listen'?)" },
  { title: 'an unknown SA key', text: oneSa({ enc_kye: '0x00' }), line: 9, path: 'sas[0].enc_kye', message: "unknown key 'enc_kye' (did you mean 'enc_key'?)" },
  { title: 'a duplicate key', text: oneSa({}, '    spi: 0x2000'), line: 9, path: 'sas[0].spi', message: "duplicate key 'spi' (first given on line 4)" },
  { title: 'a missing SPI', text: oneSa({ spi: null }), line: 2, path: 'sas[0].spi', message: 'missing: expected an SPI from 0x100 to 0xffffffff' },
  { title: 'an empty SPI value', text: oneSa({ spi: '' }), line: 2, path: 'sas[0].spi', message: 'missing: expected an SPI' },
  { title: 'a missing transform', text: oneSa({ transform: null }), line: 2, path: 'sas[0].transform', message: 'missing: expected an ESP transform' },
  // SPI
  { title: 'a reserved SPI', text: oneSa({ spi: '0x10' }), line: 4, path: 'sas[0].spi', message: 'expected an SPI from 0x100 to 0xffffffff (hex like 0x1000 or decimal), got 0x10 (RFC 4303 reserves 0-255)' },
  { title: 'an SPI over 32 bits', text: oneSa({ spi: '0x100000000' }), line: 4, path: 'sas[0].spi', message: 'got 0x100000000 (an SPI is 32 bits)' },
  { title: 'a fractional SPI', text: oneSa({ spi: '4096.5' }), line: 4, path: 'sas[0].spi', message: "got '4096.5'" },
  { title: 'a negative SPI', text: oneSa({ spi: '-300' }), line: 4, path: 'sas[0].spi', message: "got '-300'" },
  // keys
  { title: 'a key with a non-hex character', text: oneSa({ enc_key: `0xzz${'11'.repeat(19)}` }), line: 8, path: 'sas[0].enc_key', message: 'not a hex digit at position 1' },
  { title: 'a key with an odd number of digits', text: oneSa({ enc_key: `0x1${'11'.repeat(19)}` }), line: 8, path: 'sas[0].enc_key', message: 'odd number of hex digits (39)' },
  { title: 'a GCM key without its salt', text: oneSa({ enc_key: `0x${'ab'.repeat(16)}` }), line: 8, path: 'sas[0].enc_key', message: 'aes128gcm16 needs 20 bytes (16 bytes of AES-128 key + 4 bytes of salt' },
  { title: 'a ChaCha20 key without its salt', text: oneSa({ transform: 'chacha20poly1305', enc_key: `0x${'ab'.repeat(32)}` }), line: 8, path: 'sas[0].enc_key', message: 'needs 36 bytes (32 bytes of ChaCha20 key + 4 bytes of salt' },
  { title: 'an auth_key on an AEAD transform', text: oneSa({ auth_key: `0x${'22'.repeat(32)}` }), line: 9, path: 'sas[0].auth_key', message: 'combined-mode (AEAD) transform with no separate integrity key; remove auth_key' },
  { title: 'a missing auth_key for an HMAC transform', text: oneSa({ transform: 'aes128-sha256', enc_key: `0x${'11'.repeat(16)}` }), line: 2, path: 'sas[0].auth_key', message: 'missing: aes128-sha256 needs an integrity key of 32 bytes' },
  { title: 'an auth_key of the wrong length', text: oneSa({ transform: 'aes128-sha1', enc_key: `0x${'11'.repeat(16)}`, auth_key: `0x${'22'.repeat(32)}` }), line: 9, path: 'sas[0].auth_key', message: 'needs an integrity key of 20 bytes (HMAC-SHA1-96), got 32 bytes' },
  { title: 'an enc_key with NULL encryption', text: oneSa({ transform: 'null-sha256', auth_key: `0x${'22'.repeat(32)}` }), line: 8, path: 'sas[0].enc_key', message: 'takes no encryption key; remove enc_key' },
  // transforms
  { title: 'an unknown transform', text: oneSa({ transform: 'aes128gcm17' }), line: 7, path: 'sas[0].transform', message: "got 'aes128gcm17' (did you mean 'aes128gcm16'?)" },
  { title: 'a transform with a PFS group', text: oneSa({ transform: 'aes128gcm16-modp2048' }), line: 7, path: 'sas[0].transform', message: "takes nothing after it: write 'aes128gcm16'" },
  { title: 'AES-CBC without an integrity algorithm', text: oneSa({ transform: 'aes256' }), line: 7, path: 'sas[0].transform', message: "needs an integrity algorithm, like 'aes256-sha256'" },
  // addresses and ports
  { title: 'a bad address', text: oneSa({ src: '198.51.100.300' }), line: 5, path: 'sas[0].src', message: "expected an IPv4 or IPv6 address (like 198.51.100.1 or 2001:db8::1), got '198.51.100.300'" },
  { title: 'outer addresses of two IP versions', text: oneSa({ dst: '2001:db8::1' }), line: 6, path: 'sas[0].dst', message: 'both outer addresses have one IP version' },
  { title: 'a zero encapsulation port', text: oneSa({ ports: '{ src: 0, dst: 4500 }' }), line: 9, path: 'sas[0].ports.src', message: 'expected a port from 1 to 65535, got 0' },
  { title: 'a port over 65535', text: oneSa({ ports: '{ dst: 70000 }' }), line: 9, path: 'sas[0].ports.dst', message: 'got 70000' },
  { title: 'a negative listen port', text: 'listen:\n  port: -1\n', line: 2, path: 'listen.port', message: 'expected a port from 0 to 65535, got -1' },
  { title: 'a quoted port', text: 'listen:\n  port: "4500"\n', line: 2, path: 'listen.port', message: 'write the number without quotes' },
  // TUN device
  { title: 'a TUN address without prefix length', text: 'tun:\n  name: ipsec0\n  addresses: [10.1.0.1]\n', line: 3, path: 'tun.addresses[0]', message: "expected an address with its prefix length (like 10.1.0.1/32 or fd00::1/128), got '10.1.0.1'" },
  { title: 'a TUN address with a prefix too long', text: 'tun:\n  addresses:\n    - 10.1.0.1/32\n    - 10.1.0.2/33\n', line: 4, path: 'tun.addresses[1]', message: "got '10.1.0.2/33'" },
  { title: 'a route with host bits', text: 'tun:\n  routes: [10.2.0.1/24]\n', line: 2, path: 'tun.routes[0]', message: 'without host bits, got \'10.2.0.1/24\' (did you mean 10.2.0.0/24?)' },
  { title: 'an MTU below IPv4 minimum', text: 'tun:\n  mtu: 500\n', line: 2, path: 'tun.mtu', message: 'expected an MTU from 576 to 65535, got 500' },
  { title: 'an MTU below the IPv6 minimum with IPv6 addresses', text: 'tun:\n  mtu: 1200\n  addresses: [fd00::1/128]\n', line: 2, path: 'tun.mtu', message: 'at least 1280 with IPv6 addresses (RFC 8200 5), got 1200' },
  { title: 'an interface name too long', text: 'tun:\n  name: averyveryverylongname\n', line: 2, path: 'tun.name', message: '(21 bytes)' },
  { title: "an interface name with '/'", text: 'tun:\n  name: ipsec/0\n', line: 2, path: 'tun.name', message: "without '/', ':' or spaces" },
  // several SAs
  { title: 'a duplicate SA name', text: doc('sas:', ...saLines(), ...saLines({ spi: '0x1002' })), line: 9, path: 'sas[1].name', message: "the name 'a-to-b' is taken by sas[0]" },
  { title: 'a duplicate (SPI, direction, destination)', text: doc('sas:', ...saLines(), ...saLines({ name: 'other' })), line: 11, path: 'sas[1].spi', message: 'SPI 0x00001001 is already used by the outbound SA sas[0] to 198.51.100.2' },
  {
    title: 'a duplicate inbound SPI when listening on a wildcard address',
    text: doc('sas:', ...saLines({ direction: 'in' }), ...saLines({ name: 'other', direction: 'in', dst: '198.51.100.9' })),
    line: 11, path: 'sas[1].spi', message: 'inbound SAs are told apart by SPI alone',
  },
  // lifetimes
  { title: 'a soft limit not below the hard one', text: oneSa({}, '    lifetime:', '      soft: { time: 2h }', '      hard: { time: 1h }'), line: 10, path: 'sas[0].lifetime.soft.time', message: 'the soft limit (2h) must be below the hard limit (1h)' },
  { title: 'a soft byte limit equal to the hard one', text: oneSa({}, '    lifetime:', '      soft: { bytes: 1G }', '      hard: { bytes: 1073741824 }'), line: 10, path: 'sas[0].lifetime.soft.bytes', message: 'the soft limit (1073741824) must be below' },
  { title: 'a bad duration', text: oneSa({}, '    lifetime:', '      hard:', '        time: 5 minutes'), line: 11, path: 'sas[0].lifetime.hard.time', message: "expected a duration from 1s to 3650d (like 1500ms, 20s, 5m, 1h30m, 1d, or plain seconds), got '5 minutes'" },
  { title: 'a bad size suffix', text: oneSa({}, '    lifetime:', '      hard: { bytes: 1X }'), line: 10, path: 'sas[0].lifetime.hard.bytes', message: "1024-based: 1k = 1024, 1M = 1048576), got '1X'" },
  { title: 'a fractional packet count', text: oneSa({}, '    lifetime:', '      hard: { packets: 1.5 }'), line: 10, path: 'sas[0].lifetime.hard.packets', message: 'expected a packet count from 1 to 9007199254740991, got 1.5' },
  { title: 'an unknown lifetime limit', text: oneSa({}, '    lifetime:', '      hard: { seconds: 10 }'), line: 10, path: 'sas[0].lifetime.hard.seconds', message: "known keys here: time, use_time, bytes, packets" },
  // other SA fields
  { title: 'a replay window over the maximum', text: oneSa({ direction: 'in', replay_window: '70000' }), line: 9, path: 'sas[0].replay_window', message: 'expected a window size in packets from 0 to 65536, got 70000' },
  { title: 'a zero reqid', text: oneSa({ reqid: '0' }), line: 9, path: 'sas[0].reqid', message: 'expected a reqid from 1 to 4294967295, got 0' },
  { title: 'esn: yes (YAML 1.1)', text: oneSa({ esn: 'yes' }), line: 9, path: 'sas[0].esn', message: "got 'yes' (YAML 1.2 reads this as text; write true or false)" },
  { title: 'a misspelt mode', text: oneSa({ mode: 'tunel' }), line: 9, path: 'sas[0].mode', message: "expected 'tunnel' or 'transport', got 'tunel' (did you mean 'tunnel'?)" },
  { title: 'an unknown direction', text: oneSa({ direction: 'sideways' }), line: 3, path: 'sas[0].direction', message: "expected 'out' or 'in', got 'sideways'" },
  { title: 'a bad SA name', text: oneSa({ name: '"a to b"' }), line: 2, path: 'sas[0].name', message: "expected a name of letters, digits, '.', '_' or '-'" },
  // policies
  { title: 'a tunnel-mode protect policy without peer', text: policy('name: p', 'local: 10.1.0.0/24', 'remote: 10.2.0.0/24', 'action: protect'), line: 2, path: 'policies[0].peer', message: "missing: a 'protect' policy in tunnel mode needs peer" },
  { title: 'a bad selector', text: policy('name: p', 'local: 10.1.0.0/33', 'remote: any', 'action: bypass'), line: 3, path: 'policies[0].local', message: "selector address prefix length: expected 0..32 for IPv4, got '10.1.0.0/33'" },
  { title: 'a bad selector in a list', text: policy('name: p', 'local: any', 'remote: [10.2.0.0/24, bogus]', 'action: bypass'), line: 4, path: 'policies[0].remote', message: "item 2: selector address: expected an address" },
  { title: 'an empty selector list', text: policy('name: p', 'local: []', 'remote: any', 'action: bypass'), line: 3, path: 'policies[0].local', message: 'got an empty list' },
  { title: 'a mode on a bypass policy', text: policy('name: p', 'local: any', 'remote: any', 'action: bypass', 'mode: tunnel'), line: 6, path: 'policies[0].mode', message: "only a 'protect' policy has mode (this one is 'bypass'); remove it" },
  { title: 'a missing action', text: policy('name: p', 'local: any', 'remote: any'), line: 2, path: 'policies[0].action', message: "missing: expected 'protect', 'bypass' or 'discard'" },
  { title: 'a duplicate policy name', text: doc('policies:', '  - { name: p, local: any, remote: any, action: bypass }', '  - { name: p, local: any, remote: any, action: discard }'), line: 3, path: 'policies[1].name', message: "the name 'p' is taken by policies[0]" },
  // daemon settings
  { title: 'a misspelt log level', text: 'log:\n  level: inf\n', line: 2, path: 'log.level', message: "got 'inf' (did you mean 'info'?)" },
  { title: 'a control mode that is not octal', text: 'control:\n  mode: 0999\n', line: 2, path: 'control.mode', message: "expected a file mode in octal from 0000 to 0777 (like 0600, \"0660\" or 0o600), got '0999'" },
  { title: 'a bad keepalive', text: 'nat_keepalive: never\n', line: 1, path: 'nat_keepalive', message: "expected 'off' or a duration from 1s to 1d" },
  { title: 'a keepalive below one second', text: 'nat_keepalive: 10ms\n', line: 1, path: 'nat_keepalive', message: "got '10ms'" },
  { title: 'a metrics listen with a host name', text: 'metrics:\n  listen: localhost:9790\n', line: 2, path: 'metrics.listen', message: 'expected address:port (like 127.0.0.1:9790 or [::1]:9790' },
  { title: 'an unknown default action', text: 'default_action: drop\n', line: 1, path: 'default_action', message: "expected 'bypass' or 'discard', got 'drop'" },
  { title: 'a zero sequence reserve', text: 'sequence_reserve: 0\n', line: 1, path: 'sequence_reserve', message: 'expected a count of sequence numbers from 1 to 16777216, got 0' },
  { title: 'an empty state_dir', text: 'state_dir: ""\n', line: 1, path: 'state_dir', message: "expected a file system path, got ''" },
  { title: 'a state_dir too long for the control socket', text: `state_dir: /tmp/${'x'.repeat(120)}\n`, line: 1, path: 'state_dir', message: 'a Unix socket path holds at most 107' },
  { title: 'a listen section that is a string', text: 'listen: 0.0.0.0:4500\n', line: 1, path: 'listen', message: "expected the UDP socket (a mapping with keys address, port), got '0.0.0.0:4500'" },
];

describe('a broken configuration', () => {
  it('has a table of at least 30 cases', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(ROWS)('reports $title on line $line', (row) => {
    expectReported(parseConfigText(row.text, 'bad.yaml'), row, 'bad.yaml');
  });
});

describe('error reporting', () => {
  it('collects every error in one run, sorted by line', () => {
    const text = doc('log:', '  level: loud', 'sas:', ...saLines({ spi: '0x10', src: 'nowhere' }), 'nat_keepalive: often');
    const result = parseConfigText(text, 'bad.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.line, e.path])).toEqual([
      [2, 'log.level'], [6, 'sas[0].spi'], [7, 'sas[0].src'], [11, 'nat_keepalive'],
    ]);
  });

  it('points the example SPI error at the key, as file:line:column', () => {
    const text = doc('sas:', ...saLines(), ...saLines({ name: 'second', spi: '0x10' }));
    const result = parseConfigText(text, 'examples/a.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(formatConfigIssue)).toContain(
      'examples/a.yaml:11:5: sas[1].spi: expected an SPI from 0x100 to 0xffffffff (hex like 0x1000 or decimal), got 0x10 (RFC 4303 reserves 0-255)');
  });

  it('never echoes key bytes, whatever is wrong with a key', () => {
    const secret = 'c0ffee00deadbeef4242';
    const cases = [
      oneSa({ enc_key: `0x${secret}${secret}00` }), // wrong length
      oneSa({ enc_key: `0x${secret}${secret}g` }), // not hex
      oneSa({ enc_key: `0x${secret}${secret}1` }), // odd
      oneSa({ transform: 'aes128-sha256', enc_key: `0x${'11'.repeat(16)}`, auth_key: `0x${secret}` }),
      oneSa({ transform: 'null-sha256', enc_key: `0x${secret}`, auth_key: `0x${secret}` }),
      oneSa({ auth_key: `0x${secret}` }),
    ];
    for (const text of cases) {
      const result = parseConfigText(text, 'bad.yaml');
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      const all = showIssues(result.errors).toLowerCase();
      expect(all).not.toContain(secret.slice(0, 8));
      expect(all).not.toContain(secret.slice(-8));
    }
  });
});
