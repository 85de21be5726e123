// A table of broken IKEv2 configurations (`ike:` and `connections:`): each must produce an
// error on the exact line, for the exact field, with a message that says what was found and
// what is expected. Certificates and keys are the openssl-made examples in examples/daemon/certs.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryFiles } from '../../src/config/config-files.js';
import { parseConfigText } from '../../src/config/load.js';
import { expectReported, showIssues } from './bad-config-row.js';
import type { BadConfigRow } from './bad-config-row.js';

const certs = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/daemon/certs');
const pem = (name: string): string => readFileSync(resolve(certs, name), 'utf8');
const encryptedKey = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'test' },
}).privateKey;

const FILES = memoryFiles({
  '/cfg/west.pem': pem('west.pem'),
  '/cfg/west.key': pem('west.key'),
  '/cfg/east.key': pem('east.key'),
  '/cfg/ca.pem': pem('ca/ca.pem'),
  '/cfg/encrypted.key': encryptedKey,
  '/cfg/garbage.pem': 'not a certificate\n',
  '/cfg/bad.psk': '0x12zz\n',
  '/cfg/cas/ca.pem': 'garbage\n',
});

const PSK = `"0x${'5a'.repeat(32)}"`;
const LOCAL = '{ address: 198.51.100.1, id: west@example.com, auth: psk }';
const REMOTE = '{ address: 198.51.100.2, id: east@example.com, auth: psk }';

interface Parts {
  readonly local?: string | null;
  readonly remote?: string | null;
  readonly psk?: string | null;
  /** Lines appended to the child (indent 8), from line 10. */
  readonly child?: readonly string[];
  /** Lines appended to the connection after the children (indent 4). */
  readonly conn?: readonly string[];
  /** Lines before `connections:` (pushing every line down). */
  readonly before?: readonly string[];
}

/**
 * One connection. Lines (with nothing before): 1 connections, 2 name, 3 local, 4 remote,
 * 5 psk, 6 children, 7 child name, 8 local_ts, 9 remote_ts, 10... child lines, then connection lines.
 */
function conn(p: Parts = {}): string {
  const lines = [...(p.before ?? []), 'connections:', '  - name: west-east'];
  for (const [key, given, base] of [['local', p.local, LOCAL], ['remote', p.remote, REMOTE], ['psk', p.psk, PSK]] as const) {
    const value = given === undefined ? base : given;
    if (value !== null) lines.push(`    ${key}: ${value}`);
  }
  lines.push('    children:', '      - name: net', '        local_ts: [10.1.0.0/24]', '        remote_ts: [10.2.0.0/24]');
  lines.push(...(p.child ?? []).map((l) => `        ${l}`), ...(p.conn ?? []).map((l) => `    ${l}`));
  return `${lines.join('\n')}\n`;
}

const PUBKEY_LOCAL = (cert: string, key: string): string => `{ address: 198.51.100.1, id: west.example.com, auth: pubkey, cert: ${cert}, key: ${key} }`;
const PUBKEY_REMOTE = '{ address: 198.51.100.2, id: east.example.com, auth: pubkey }';
const CA = ['ike:', '  ca_certs: [ca.pem]'];


const C = 'connections[0]';
const CH = `${C}.children[0]`;

const ROWS: readonly BadConfigRow[] = [
  // structure and names
  { title: 'connections that is not a list', text: 'connections: west\n', line: 1, path: 'connections', message: "expected a list of connections (lines starting with '- '), got 'west'" },
  { title: 'an unknown connection key', text: conn({ conn: ['rekey_tim: 1h'] }), line: 10, path: `${C}.rekey_tim`, message: "unknown key 'rekey_tim' (did you mean 'rekey_time'?)" },
  { title: 'a certificate on the remote side', text: conn({ remote: '{ address: 198.51.100.2, auth: psk, cert: east.pem }' }), line: 4, path: `${C}.remote.cert`, message: 'known keys here: address, port, id, auth' },
  { title: 'a duplicate connection name', text: `${conn()}  - name: west-east\n    local: ${LOCAL}\n    remote: ${REMOTE}\n    psk: ${PSK}\n    children: [{ name: net }]\n`, line: 10, path: 'connections[1].name', message: "the name 'west-east' is taken by connections[0]; every connection needs its own name" },
  { title: 'a duplicate child name', text: conn({ child: [], conn: ['  - name: net'] }), line: 10, path: `${C}.children[1].name`, message: "the name 'net' is taken by children[0]; every child SA of a connection needs its own name" },
  { title: 'a connection without children', text: 'connections:\n  - name: c\n    local: { address: 198.51.100.1, auth: psk }\n    remote: { address: 198.51.100.2, auth: psk }\n    psk: "0x00112233445566778899aabbccddeeff"\n', line: 2, path: `${C}.children`, message: 'missing: expected a list of child SAs (at least one' },
  { title: 'an empty children list', text: 'connections:\n  - name: c\n    local: { address: 198.51.100.1, auth: psk }\n    remote: { address: 198.51.100.2, auth: psk }\n    psk: "0x00112233445566778899aabbccddeeff"\n    children: []\n', line: 6, path: `${C}.children`, message: 'expected at least one child SA, got an empty list' },
  { title: 'a bad connection name', text: conn().replace('name: west-east', 'name: "west east"'), line: 2, path: `${C}.name`, message: "expected a name of letters, digits, '.', '_' or '-'" },
  // addresses and identities
  { title: 'a bad remote address', text: conn({ remote: '{ address: 198.51.100.300, id: east@example.com, auth: psk }' }), line: 4, path: `${C}.remote.address`, message: "expected an IPv4 or IPv6 address (like 198.51.100.1 or 2001:db8::1), or %any, got '198.51.100.300'" },
  { title: 'a remote port of 0', text: conn({ remote: '{ address: 198.51.100.2, port: 0, id: east@example.com, auth: psk }' }), line: 4, path: `${C}.remote.port`, message: 'expected a port from 1 to 65535, got 0' },
  { title: 'addresses of two IP versions', text: conn({ remote: '{ address: "2001:db8::2", id: east@example.com, auth: psk }' }), line: 4, path: `${C}.remote.address`, message: 'expected an IPv4 address like local.address (198.51.100.1), got 2001:db8::2: IKE runs over one IP version' },
  { title: 'remote %any with a child that starts', text: conn({ remote: '{ address: "%any", id: east@example.com, auth: psk }', child: ['start_action: start'] }), line: 10, path: `${CH}.start_action`, message: "expected 'none' with remote.address %any, got 'start'" },
  { title: 'remote %any with a trap child', text: conn({ remote: '{ address: "%any", id: east@example.com, auth: psk }', child: ['start_action: trap'] }), line: 10, path: `${CH}.start_action`, message: "got 'trap': we cannot start (or trap traffic towards) a peer whose address we do not know" },
  { title: 'remote %any with psk and no remote id', text: conn({ remote: '{ address: "%any", auth: psk }' }), line: 4, path: `${C}.remote.id`, message: 'missing: with remote.address %any and psk, remote.id names the peer' },
  { title: 'remote id %any with psk', text: conn({ remote: '{ address: 198.51.100.2, id: "%any", auth: psk }' }), line: 4, path: `${C}.remote.id`, message: 'got %any: with psk the identity selects the key' },
  { title: 'a local identity with spaces', text: conn({ local: '{ address: 198.51.100.1, id: "west gateway", auth: psk }' }), line: 3, path: `${C}.local.id`, message: "expected an IKE identity, got 'west gateway': \"west gateway\" contains spaces or control characters" },
  { title: 'a local identity of %any', text: conn({ local: '{ address: 198.51.100.1, id: "%any", auth: psk }' }), line: 3, path: `${C}.local.id`, message: "got '%any' (only the remote side may accept any identity)" },
  { title: 'a bad DN identity', text: conn({ remote: '{ address: 198.51.100.2, id: "CN=", auth: psk }' }), line: 4, path: `${C}.remote.id`, message: "expected an IKE identity, got 'CN=': distinguished name" },
  { title: 'neither local id nor local address', text: conn({ local: '{ auth: psk }' }), line: 3, path: `${C}.local.id`, message: 'missing: local.id (our IKE identity) defaults to local.address, and neither is given' },
  { title: 'an unknown auth method', text: conn({ local: '{ address: 198.51.100.1, auth: rsa }' }), line: 3, path: `${C}.local.auth`, message: "expected 'psk' or 'pubkey', got 'rsa'" },
  // pre-shared keys
  { title: 'a missing psk', text: conn({ psk: null }), line: 2, path: `${C}.psk`, message: 'missing: local.auth is psk, so the connection needs a pre-shared key' },
  { title: 'a missing psk when only the peer uses psk', text: conn({ local: PUBKEY_LOCAL('west.pem', 'west.key'), psk: null }), line: 2, path: `${C}.psk`, message: 'missing: remote.auth is psk' },
  { title: 'a psk with a non-hex digit', text: conn({ psk: '0x00zz' }), line: 5, path: `${C}.psk`, message: 'got a character that is not a hex digit at position 5 of the key text' },
  { title: 'a psk with an odd number of hex digits', text: conn({ psk: '0x001' }), line: 5, path: `${C}.psk`, message: 'got an odd number of hex digits (3)' },
  { title: 'a psk mapping without file', text: conn({ psk: '{ path: psk.txt }' }), line: 5, path: `${C}.psk`, message: 'got a mapping with keys path (write { file: path })' },
  { title: 'a psk file that does not exist', text: conn({ psk: '{ file: nope.psk }' }), line: 5, path: `${C}.psk.file`, message: 'cannot read /cfg/nope.psk: no such file (ENOENT)' },
  { title: 'a psk file with bad hex', text: conn({ psk: '{ file: bad.psk }' }), line: 5, path: `${C}.psk.file`, message: '/cfg/bad.psk: expected a pre-shared key: hex (0x00112233...), text in quotes, or { file: path }, got a character that is not a hex digit at position 5' },
  { title: 'a psk when both sides use certificates', text: conn({ local: PUBKEY_LOCAL('west.pem', 'west.key'), remote: PUBKEY_REMOTE, before: CA }), line: 7, path: `${C}.psk`, message: 'neither side authenticates with psk (both are pubkey); remove psk' },
  // certificates
  { title: 'pubkey without cert and key', text: conn({ local: '{ address: 198.51.100.1, auth: pubkey }', remote: PUBKEY_REMOTE, psk: null, before: CA }), line: 5, path: `${C}.local.cert`, message: 'missing: local.auth is pubkey, so it needs cert' },
  { title: 'a cert on a psk side', text: conn({ local: '{ address: 198.51.100.1, auth: psk, cert: west.pem }' }), line: 3, path: `${C}.local.cert`, message: 'only local.auth: pubkey uses cert (this side is psk); remove it' },
  { title: 'a key that does not belong to the certificate', text: conn({ local: PUBKEY_LOCAL('west.pem', 'east.key'), remote: PUBKEY_REMOTE, psk: null, before: CA }), line: 5, path: `${C}.local.key`, message: 'the private key in /cfg/east.key does not belong to the certificate in /cfg/west.pem (their public keys differ)' },
  { title: 'a certificate file that does not exist', text: conn({ local: PUBKEY_LOCAL('nope.pem', 'west.key'), remote: PUBKEY_REMOTE, psk: null, before: CA }), line: 5, path: `${C}.local.cert`, message: 'cannot read /cfg/nope.pem: no such file (ENOENT)' },
  { title: 'a key given as the certificate', text: conn({ local: PUBKEY_LOCAL('west.key', 'west.key'), remote: PUBKEY_REMOTE, psk: null, before: CA }), line: 5, path: `${C}.local.cert`, message: '/cfg/west.key: expected a certificate (-----BEGIN CERTIFICATE-----), got another kind of PEM block (a key?)' },
  { title: 'a certificate file with no certificate', text: conn({ local: PUBKEY_LOCAL('garbage.pem', 'west.key'), remote: PUBKEY_REMOTE, psk: null, before: CA }), line: 5, path: `${C}.local.cert`, message: 'expected a certificate in PEM (or DER), got neither' },
  { title: 'an encrypted private key', text: conn({ local: PUBKEY_LOCAL('west.pem', 'encrypted.key'), remote: PUBKEY_REMOTE, psk: null, before: CA }), line: 5, path: `${C}.local.key`, message: 'the private key is encrypted; the daemon starts unattended' },
  { title: 'a certificate as the private key', text: conn({ local: PUBKEY_LOCAL('west.pem', 'west.pem'), remote: PUBKEY_REMOTE, psk: null, before: CA }), line: 5, path: `${C}.local.key`, message: 'expected a private key in PEM (PKCS#8, PKCS#1 or SEC1) or DER PKCS#8' },
  { title: 'a peer with certificates and no CA', text: conn({ local: PUBKEY_LOCAL('west.pem', 'west.key'), remote: PUBKEY_REMOTE, psk: null }), line: 4, path: `${C}.remote.auth`, message: 'no CA certificate is configured to check it: set ike.ca_certs or ike.ca_dir' },
  // proposals
  { title: 'a misspelt IKE proposal in a list', text: conn({ conn: ['proposals:', '  - aes128gcm16-prfsha256-x25519', '  - aes128gcm17-prfsha256-x25519'] }), line: 12, path: `${C}.proposals[1]`, message: "unknown algorithm 'aes128gcm17' in IKE proposal 'aes128gcm17-prfsha256-x25519' (did you mean 'aes128gcm16'?)" },
  { title: 'an IKE proposal without a PRF', text: conn({ conn: ['proposals: [aes128gcm16]'] }), line: 10, path: `${C}.proposals[0]`, message: "IKE proposal 'aes128gcm16' has no PRF" },
  { title: 'an ESP proposal with a PRF', text: conn({ child: ['esp_proposals: [aes128gcm16-esn, aes128gcm16-prfsha256]'] }), line: 10, path: `${CH}.esp_proposals[1]`, message: "'prfsha256' in 'aes128gcm16-prfsha256' is a PRF, which only IKE proposals have" },
  { title: 'an empty proposal list', text: conn({ conn: ['proposals: []'] }), line: 10, path: `${C}.proposals`, message: 'expected at least one IKE proposal, got an empty list' },
  { title: 'an empty ESP proposal list', text: conn({ child: ['esp_proposals: []'] }), line: 10, path: `${CH}.esp_proposals`, message: 'expected at least one ESP proposal, got an empty list' },
  // lifetimes and timers
  { title: 'a duration in words', text: conn({ conn: ['rekey_time: 4 hours'] }), line: 10, path: `${C}.rekey_time`, message: "expected a duration from 1s to 3650d (like 1500ms, 20s, 5m, 1h30m, 1d, or plain seconds), got '4 hours'" },
  { title: 'a rekey time not below the life time', text: conn({ conn: ['rekey_time: 4h', 'life_time: 1h'] }), line: 10, path: `${C}.rekey_time`, message: 'rekey_time (4h) must be below life_time (1h): the IKE SA is rekeyed before it expires' },
  { title: 'a child rand time not below its rekey time', text: conn({ child: ['rekey_time: 1h', 'rand_time: 2h'] }), line: 11, path: `${CH}.rand_time`, message: 'rand_time (2h) must be below rekey_time (1h)' },
  { title: 'a child rand time not below the default rekey time', text: conn({ child: ['rand_time: 1h'] }), line: 10, path: `${CH}.rand_time`, message: 'rand_time (1h) must be below rekey_time (1h)' },
  { title: 'a child life time equal to its rekey time', text: conn({ child: ['rekey_time: 30m', 'life_time: 1800'] }), line: 10, path: `${CH}.rekey_time`, message: 'rekey_time (30m) must be below life_time (30m): the child SA is rekeyed' },
  { title: 'a dpd_delay that is neither off nor a duration', text: conn({ conn: ['dpd_delay: sometimes'] }), line: 10, path: `${C}.dpd_delay`, message: "expected 0 or 'off', or a duration from 1s to 1d" },
  { title: 'encap: yes (YAML 1.1)', text: conn({ conn: ['encap: yes'] }), line: 10, path: `${C}.encap`, message: "got 'yes' (YAML 1.2 reads this as text; write true or false)" },
  // children
  { title: 'a selector prefix too long', text: conn().replace('local_ts: [10.1.0.0/24]', 'local_ts: [10.1.0.0/33]'), line: 8, path: `${CH}.local_ts[0]`, message: "selector address prefix length: expected 0..32 for IPv4, got '10.1.0.0/33'" },
  { title: 'a selector port name', text: conn().replace('remote_ts: [10.2.0.0/24]', 'remote_ts: [10.2.0.0/24, "10.3.0.0/24[tcp/http]"]'), line: 9, path: `${CH}.remote_ts[1]`, message: "selector '10.3.0.0/24[tcp/http]': expected a port 0..65535 or a range like 1000-2000, got 'http'" },
  { title: 'a selector with a bad bracket', text: conn().replace('remote_ts: [10.2.0.0/24]', 'remote_ts: ["10.2.0.0/24[tcp"]'), line: 9, path: `${CH}.remote_ts[0]`, message: "selector '10.2.0.0/24[tcp': expected a prefix (10.1.0.0/24), an address, a range (10.0.0.1-10.0.0.9) or 'dynamic'" },
  { title: 'ports on a protocol without ports', text: conn().replace('local_ts: [10.1.0.0/24]', 'local_ts: ["dynamic[icmp/8]"]'), line: 8, path: `${CH}.local_ts[0]`, message: 'protocol 1 has no ports here' },
  { title: 'an empty selector list', text: conn().replace('local_ts: [10.1.0.0/24]', 'local_ts: []'), line: 8, path: `${CH}.local_ts`, message: "expected at least one traffic selector, got an empty list (leave the key out for 'dynamic')" },
  { title: 'a misspelt mode', text: conn({ child: ['mode: tunel'] }), line: 10, path: `${CH}.mode`, message: "expected 'tunnel' or 'transport', got 'tunel' (did you mean 'tunnel'?)" },
  { title: 'an unknown start action', text: conn({ child: ['start_action: begin'] }), line: 10, path: `${CH}.start_action`, message: "expected 'none', 'trap' or 'start', got 'begin'" },
  { title: 'an unknown dpd action', text: conn({ child: ['dpd_action: hold'] }), line: 10, path: `${CH}.dpd_action`, message: "expected 'clear', 'trap' or 'restart', got 'hold'" },
  { title: 'an unknown close action', text: conn({ child: ['close_action: restart'] }), line: 10, path: `${CH}.close_action`, message: "expected 'none', 'trap' or 'start', got 'restart'" },
  { title: 'a replay window over the maximum', text: conn({ child: ['replay_window: 70000'] }), line: 10, path: `${CH}.replay_window`, message: 'expected a window size in packets from 0 to 65536, got 70000' },
  { title: 'an unknown child key', text: conn({ child: ['esp_proposal: [aes128gcm16]'] }), line: 10, path: `${CH}.esp_proposal`, message: "unknown key 'esp_proposal' (did you mean 'esp_proposals'?)" },
  // the ike section
  { title: 'an IKE port equal to the listen port', text: 'ike:\n  port: 4500\n', line: 2, path: 'ike.port', message: "expected a port other than listen.port (4500), got 4500: IKE is always served on the listen port too; write 'off'" },
  { title: 'an IKE port that is a word', text: 'ike:\n  port: no\n', line: 2, path: 'ike.port', message: "expected a port from 1 to 65535, or 'off', got 'no'" },
  { title: 'a cookie threshold at the half-open limit', text: 'ike:\n  half_open_limit: 50\n  cookie_threshold: 50\n', line: 3, path: 'ike.cookie_threshold', message: 'cookie_threshold (50) must be below half_open_limit (50)' },
  { title: 'a half-open limit below the default cookie threshold', text: 'ike:\n  half_open_limit: 10\n', line: 2, path: 'ike.half_open_limit', message: 'cookie_threshold (100) must be below half_open_limit (10)' },
  { title: 'a retransmit base below 1', text: 'ike:\n  retransmit: { timeout: 4s, base: 0.5 }\n', line: 2, path: 'ike.retransmit.base', message: 'expected a multiplier from 1 to 10 (like 1.8), got 0.5' },
  { title: 'too many retransmissions', text: 'ike:\n  retransmit:\n    tries: 50\n', line: 3, path: 'ike.retransmit.tries', message: 'expected a number of retransmissions from 0 to 20, got 50' },
  { title: 'a misspelt ca_certs', text: 'ike:\n  ca_cert: [ca.pem]\n', line: 2, path: 'ike.ca_cert', message: "unknown key 'ca_cert' (did you mean 'ca_certs'?)" },
  { title: 'a CA file that does not exist', text: 'ike:\n  ca_certs: [ca.pem, nope.pem]\n', line: 2, path: 'ike.ca_certs[1]', message: 'cannot read /cfg/nope.pem: no such file (ENOENT)' },
  { title: 'a CA folder that does not exist', text: 'ike:\n  ca_dir: /etc/nowhere\n', line: 2, path: 'ike.ca_dir', message: 'cannot read the folder /etc/nowhere: no such file (ENOENT)' },
  { title: 'a CA folder holding something else', text: 'ike:\n  ca_dir: cas\n', line: 2, path: 'ike.ca_dir', message: '/cfg/cas/ca.pem: expected a certificate in PEM (or DER), got neither; keep only CA certificates in ca_dir' },
  { title: 'a zero INVALID_SPI interval', text: 'ike:\n  invalid_spi_interval: 0\n', line: 2, path: 'ike.invalid_spi_interval', message: 'expected a duration from 10ms to 1h' },
];

describe('a broken IKEv2 configuration', () => {
  it('has a table of at least 50 cases', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(50);
  });

  it.each(ROWS)('reports $title on line $line', (row) => {
    expectReported(parseConfigText(row.text, '/cfg/bad.yaml', FILES), row, '/cfg/bad.yaml');
  });

  it('never shows pre-shared key text in a message', () => {
    const secret = 'correct horse battery staple';
    const texts = [
      conn({ psk: `"0x${'ab'.repeat(20)}zz${secret}"` }),
      conn({ psk: `[${JSON.stringify(secret)}]` }),
      conn({ psk: `{ file: bad.psk, extra: ${JSON.stringify(secret)} }` }),
      conn({ psk: JSON.stringify(secret), remote: '{ address: bogus, auth: psk }' }),
    ];
    for (const text of texts) {
      const r = parseConfigText(text, '/cfg/bad.yaml', FILES);
      expect(r.ok).toBe(false);
      const all = r.ok ? '' : showIssues(r.errors);
      expect(all).not.toContain('horse');
      expect(all).not.toContain('abababab');
    }
  });
});
