// Valid IKEv2 configurations resolve, field by field, into the ConnectionConfig and IkeSettings
// the IKE manager runs: identities as RFC 7296 3.5 ID payloads, selectors as address and port
// ranges, PSKs and certificates as bytes (cross-checked against the openssl CLI), swanctl.conf's
// defaults, and the chmod 600 warning for every file that holds a secret.
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigFiles } from '../../src/config/config-files.js';
import { memoryFiles } from '../../src/config/config-files.js';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';
import type { DaemonConfig } from '../../src/config/types.js';
import { parseProposalText } from '../../src/ike/proposal/parse.js';

const certs = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/daemon/certs');
const file = (name: string): Buffer => readFileSync(resolve(certs, name));
/** DER of a PEM certificate, by openssl (not by us). */
const opensslDer = (name: string): Buffer => execFileSync('openssl', ['x509', '-in', resolve(certs, name), '-outform', 'DER']);

// RFC 7296 3.5 ID Types.
const ID_IPV4_ADDR = 1;
const ID_FQDN = 2;
const ID_RFC822_ADDR = 3;

function load(text: string, files: ConfigFiles = memoryFiles({})): { config: DaemonConfig; warnings: string[] } {
  const result = parseConfigText(text, '/cfg/ipsec.yaml', files);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.map((e) => `${e.line}: ${e.path}: ${e.message}`).join('\n')}`);
  return result;
}

const PSK_HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const MINIMAL = `connections:
  - name: gw
    local: { address: 198.51.100.1, auth: psk }
    remote: { address: 198.51.100.2, auth: psk }
    psk: 0x${PSK_HEX}
    children: [{ name: net, local_ts: [10.1.0.0/24], remote_ts: [10.2.0.0/24] }]
`;

const ts = (startAddress: string, endAddress: string, protocol = 0, startPort = 0, endPort = 65535) =>
  ({ kind: 'static', selector: { protocol, startPort, endPort, startAddress, endAddress } });
const dynamic = (protocol = 0, startPort = 0, endPort = 65535) => ({ kind: 'dynamic', protocol, startPort, endPort });

describe('the ike section', () => {
  it('takes strongSwan-like defaults when absent, with no connections', () => {
    const { config, warnings } = load('');
    expect(config.connections).toEqual([]);
    expect(config.ike).toEqual({
      port: 500, halfOpenLimit: 1000, cookieThreshold: 100, retransmitTimeoutMs: 4000, retransmitBase: 1.8,
      retransmitTries: 5, rekeyGraceS: 30, invalidSpiIntervalS: 1, caCertificates: [],
    });
    expect(warnings).toEqual([]);
  });

  it('reads every key, port off, and CA certificates from files and a folder (skipping non-certificates)', () => {
    const files = memoryFiles({
      '/cfg/ca.pem': file('ca/ca.pem'),
      '/etc/cas/one.crt': file('west.pem'),
      '/etc/cas/two.pem': Buffer.concat([file('east.pem'), file('ca/ca.pem')]),
      '/etc/cas/ca.key': file('ca.key'),
      '/etc/cas/README.md': 'not a certificate',
    });
    const { config } = load(`ike:
  port: off
  half_open_limit: 20
  cookie_threshold: 0
  retransmit: { timeout: 500ms, base: 2, tries: 0 }
  rekey_grace: 1m
  invalid_spi_interval: 250ms
  ca_certs: [ca.pem]
  ca_dir: /etc/cas
`, files);
    expect(config.ike).toMatchObject({
      port: null, halfOpenLimit: 20, cookieThreshold: 0, retransmitTimeoutMs: 500, retransmitBase: 2, retransmitTries: 0,
      rekeyGraceS: 60, invalidSpiIntervalS: 0.25,
    });
    expect(config.ike.caCertificates).toEqual([opensslDer('ca/ca.pem'), opensslDer('west.pem'), opensslDer('east.pem'), opensslDer('ca/ca.pem')]);
  });
});

describe('a PSK connection', () => {
  it('resolves every field it was given', () => {
    const { config } = load(`listen: { port: 4500 }
ike: { port: 5000 }
connections:
  - name: west-east
    local:  { address: 198.51.100.1, id: west@example.com, auth: psk }
    remote: { address: 198.51.100.2, port: 4501, id: "@east.example.com", auth: psk }
    psk: "some text secret that is long"
    proposals: [aes256gcm16-prfsha384-ecp384, aes128-sha256-modp2048]
    rekey_time: 2h
    life_time: 3h
    rand_time: 5m
    dpd_delay: 10s
    encap: false
    initial_contact: false
    children:
      - name: web
        local_ts: ["10.1.0.0/24[tcp/443]", 10.1.1.1-10.1.1.9, "dynamic[udp/500]"]
        remote_ts: ["2001:db8::/32[udp/1000-2000]", "0.0.0.0/0[icmp]"]
        mode: transport
        esp_proposals: [aes128gcm16-x25519-esn]
        start_action: trap
        rekey_time: 20m
        life_time: 30m
        rand_time: 1m
        replay_window: 1024
        close_action: start
        dpd_action: restart
`);
    const c = config.connections[0]!;
    expect(c).toMatchObject({
      name: 'west-east', localAddress: '198.51.100.1', remoteAddress: '198.51.100.2', remotePort: 4501,
      localAuth: { method: 'psk' }, remoteAuth: { method: 'psk' },
      ikeRekeyTimeS: 7200, ikeLifeTimeS: 10800, ikeRandTimeS: 300, dpdDelayS: 10, forceEncapsulation: false, initialContact: false,
    });
    expect(c.localId).toEqual({ idType: ID_RFC822_ADDR, data: Buffer.from('west@example.com') });
    expect(c.remoteId).toEqual({ idType: ID_FQDN, data: Buffer.from('east.example.com') });
    expect(c.psk).toEqual(Buffer.from('some text secret that is long', 'utf8'));
    const ike = (t: string) => (parseProposalText(t, 'ike') as { spec: unknown }).spec;
    expect(c.ikeProposals).toEqual([ike('aes256gcm16-prfsha384-ecp384'), ike('aes128-sha256-modp2048')]);
    const child = c.children[0]!;
    expect(child).toMatchObject({
      name: 'web', mode: 'transport', startAction: 'trap', rekeyTimeS: 1200, lifeTimeS: 1800, randTimeS: 60,
      replayWindow: 1024, closeAction: 'start', dpdAction: 'restart',
    });
    expect(child.espProposals).toEqual([(parseProposalText('aes128gcm16-x25519-esn', 'esp') as { spec: unknown }).spec]);
    expect(child.localTs).toEqual([ts('10.1.0.0', '10.1.0.255', 6, 443, 443), ts('10.1.1.1', '10.1.1.9'), dynamic(17, 500, 500)]);
    expect(child.remoteTs).toEqual([
      ts('2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 17, 1000, 2000),
      ts('0.0.0.0', '255.255.255.255', 1),
    ]);
  });

  it("applies swanctl.conf's defaults: 4h/1h rekey, +10% life, rand = life - rekey, identities from addresses", () => {
    const c = load(MINIMAL).config.connections[0]!;
    expect(c).toMatchObject({
      remotePort: 500, ikeRekeyTimeS: 14400, ikeLifeTimeS: 15840, ikeRandTimeS: 1440, dpdDelayS: 0,
      forceEncapsulation: true, initialContact: true,
    });
    expect(c.localId).toEqual({ idType: ID_IPV4_ADDR, data: Buffer.from([198, 51, 100, 1]) });
    expect(c.remoteId).toEqual({ idType: ID_IPV4_ADDR, data: Buffer.from([198, 51, 100, 2]) });
    expect(c.psk).toEqual(Buffer.from(PSK_HEX, 'hex'));
    expect(c.ikeProposals.map((p) => p.text)).toEqual(['aes128gcm16-prfsha256-x25519', 'aes256gcm16-prfsha384-ecp384', 'aes256-sha256-prfsha256-modp2048']);
    expect(c.children[0]).toMatchObject({
      mode: 'tunnel', startAction: 'none', rekeyTimeS: 3600, lifeTimeS: 3960, randTimeS: 360, replayWindow: 64,
      closeAction: 'none', dpdAction: 'clear',
    });
    expect(c.children[0]!.espProposals.map((p) => p.text)).toEqual(['aes128gcm16-esn-noesn', 'aes256gcm16-esn-noesn', 'chacha20poly1305-esn-noesn']);
  });

  it('derives rekey_time from life_time alone, and caps the default rand_time at half of rekey_time', () => {
    const text = MINIMAL.replace('    children:', '    life_time: 2h\n    children:')
      .replace('remote_ts: [10.2.0.0/24] }', 'remote_ts: [10.2.0.0/24], rekey_time: 1h, life_time: 3h }');
    const c = load(text).config.connections[0]!;
    expect([c.ikeRekeyTimeS, c.ikeLifeTimeS, c.ikeRandTimeS]).toEqual([6480, 7200, 720]);
    expect([c.children[0]!.rekeyTimeS, c.children[0]!.lifeTimeS, c.children[0]!.randTimeS]).toEqual([3600, 10800, 1800]);
  });

  it("keeps 'dynamic' for the IKE layer, and makes absent selectors 'dynamic' (swanctl.conf's default)", () => {
    const text = `connections:
  - name: rw
    local: { id: gw.example.com, auth: psk }
    remote: { address: 198.51.100.2, id: peer@example.com, auth: psk }
    psk: 0x${PSK_HEX}
    children: [{ name: a, local_ts: [dynamic] }]
`;
    const child = load(text).config.connections[0]!.children[0]!;
    expect(child.localTs).toEqual([dynamic()]);
    expect(child.remoteTs).toEqual([dynamic()]);
  });

  it('accepts remote %any with start_action none; dpd_delay off and 0 are off', () => {
    const text = MINIMAL.replace('remote: { address: 198.51.100.2, auth: psk }', 'remote: { address: "%any", id: "@roadwarrior", auth: psk }')
      .replace('    children:', '    dpd_delay: off\n    children:');
    const c = load(text).config.connections[0]!;
    expect([c.remoteAddress, c.dpdDelayS]).toEqual(['%any', 0]);
    expect(c.children[0]!.remoteTs).toEqual([ts('10.2.0.0', '10.2.0.255')]);
    expect(load(MINIMAL.replace('    children:', '    dpd_delay: 0\n    children:')).config.connections[0]!.dpdDelayS).toBe(0);
  });

  it('starts towards the peer on 4500 when our IKE port is off', () => {
    expect(load(`ike: { port: off }\n${MINIMAL}`).config.connections[0]!.remotePort).toBe(4500);
  });

  it('reads a PSK file (hex or text, one trailing newline dropped) and warns when others can read it', () => {
    const files = memoryFiles({
      '/cfg/hex.psk': { content: `0x${PSK_HEX}\n`, mode: 0o644 },
      '/cfg/text.psk': { content: 'a long text secret of 32 bytes!!\r\n', mode: 0o600 },
    });
    const hex = load(MINIMAL.replace(`0x${PSK_HEX}`, '{ file: hex.psk }'), files);
    expect(hex.config.connections[0]!.psk).toEqual(Buffer.from(PSK_HEX, 'hex'));
    expect(hex.warnings).toEqual(['/cfg/ipsec.yaml:5:12: connections[0].psk.file: /cfg/hex.psk: holds a pre-shared key and is readable by other users (mode 0644); run chmod 600 /cfg/hex.psk']);
    const text = load(MINIMAL.replace(`0x${PSK_HEX}`, '{ file: text.psk }'), files);
    expect(text.config.connections[0]!.psk).toEqual(Buffer.from('a long text secret of 32 bytes!!'));
    expect(text.warnings).toEqual([]);
  });

  it('warns about a short PSK without showing it', () => {
    const { warnings } = load(MINIMAL.replace(`0x${PSK_HEX}`, 'hunter2'));
    expect(warnings).toEqual([expect.stringMatching(/^\/cfg\/ipsec\.yaml:5:5: connections\[0\]\.psk: a pre-shared key of 7 bytes can be guessed offline/)]);
    expect(warnings.join('')).not.toContain('hunter2');
  });

  it('sits beside manual SAs and policies in one file', () => {
    const text = `sas:\n  - { direction: in, spi: 4097, src: 192.0.2.1, dst: 192.0.2.2, transform: aes128gcm16, enc_key: ${'00'.repeat(20)} }\n` +
      'policies:\n  - { name: p, local: any, remote: any, action: protect, peer: 192.0.2.1 }\n' + MINIMAL;
    const { config } = load(text);
    expect([config.sas.length, config.policies.length, config.connections.length]).toEqual([1, 1, 1]);
  });
});

describe('a certificate connection', () => {
  const files = memoryFiles({
    '/cfg/chain.pem': Buffer.concat([file('west.pem'), file('ca/ca.pem')]),
    '/cfg/west.key': { content: file('west.key'), mode: 0o640 },
    '/cfg/ca.pem': file('ca/ca.pem'),
  });
  const text = `ike: { ca_certs: [ca.pem] }
connections:
  - name: c
    local: { address: 198.51.100.1, id: west.example.com, auth: pubkey, cert: chain.pem, key: west.key }
    remote: { address: 198.51.100.2, id: "%any", auth: pubkey }
    children: [{ name: net }]
`;

  it('loads the chain end entity first, and the private key whose public key openssl derives', () => {
    const { config } = load(text, files);
    const auth = config.connections[0]!.localAuth;
    expect(auth.method).toBe('pubkey');
    if (auth.method !== 'pubkey') return;
    expect(auth.certificates).toEqual([opensslDer('west.pem'), opensslDer('ca/ca.pem')]);
    const spki = execFileSync('openssl', ['pkey', '-in', resolve(certs, 'west.key'), '-pubout', '-outform', 'DER']);
    expect(createPublicKey(auth.privateKey!).export({ type: 'spki', format: 'der' })).toEqual(spki);
    expect(config.connections[0]!.remoteId).toBeNull();
    expect(config.connections[0]!.psk).toBeNull();
  });

  it('warns that a private key readable by its group needs chmod 600', () => {
    expect(load(text, files).warnings).toEqual(['/cfg/ipsec.yaml:4:90: connections[0].local.key: /cfg/west.key: holds a private key and is readable by its group (mode 0640); run chmod 600 /cfg/west.key']);
  });
});

describe('reading from disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfgconn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('warns about a configuration file with an inline PSK readable by others, and about a PSK file', async () => {
    const path = join(dir, 'inline.yaml');
    writeFileSync(path, MINIMAL);
    chmodSync(path, 0o644);
    const r = await loadConfigFile(path);
    expect(r.ok && r.warnings).toEqual([`${path}: holds a pre-shared key and is readable by other users (mode 0644); run chmod 600 ${path}`]);
    writeFileSync(join(dir, 'key.psk'), `0x${PSK_HEX}\n`);
    chmodSync(join(dir, 'key.psk'), 0o604);
    const viaFile = join(dir, 'file.yaml');
    writeFileSync(viaFile, MINIMAL.replace(`0x${PSK_HEX}`, '{ file: key.psk }'));
    chmodSync(viaFile, 0o644);
    const f = await loadConfigFile(viaFile);
    expect(f.ok && f.config.connections[0]!.psk).toEqual(Buffer.from(PSK_HEX, 'hex'));
    expect(f.ok && f.warnings).toEqual([`${viaFile}:5:12: connections[0].psk.file: ${join(dir, 'key.psk')}: holds a pre-shared key and is readable by other users (mode 0604); run chmod 600 ${join(dir, 'key.psk')}`]);
  });
});
