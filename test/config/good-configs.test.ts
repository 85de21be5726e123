// Valid configurations resolve to the DaemonConfig the daemon runs: canonical addresses, keys
// as bytes, TransformSpecs, defaults, and paths taken from the configuration file's folder.
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { DaemonConfig } from '../../src/config/types.js';

function load(text: string, source = '/etc/ipsec-ts/config.yaml'): { config: DaemonConfig; warnings: string[] } {
  const result = parseConfigText(text, source);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.map((e) => `${e.line}: ${e.path}: ${e.message}`).join('\n')}`);
  return result;
}

const SA = `
sas:
  - name: east
    direction: in
    spi: 0x0000A001
    src: 2001:DB8:0:0:0:0:0:1
    dst: 2001:db8::0002
    ports: { src: 4501, dst: 4502 }
    mode: transport
    transform: aes256ctr-sha512
    enc_key: "0x00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f:a0:a1:a2:a3"
    auth_key: ${'5a'.repeat(64)}
    esn: true
    replay_window: 0
    reqid: 9
    lifetime:
      soft: { time: 50m, use_time: 90, bytes: 512M, packets: 1000 }
      hard: { time: 1h, use_time: 2m, bytes: 1GiB, packets: 2000 }
policies:
  - name: east-transport
    local: [2001:db8::2 tcp, 2001:db8::2 udp 500]
    remote: 2001:db8::1
    action: protect
    mode: transport
    reqid: 9
`;

describe('a valid configuration', () => {
  it('takes every default from an empty file', () => {
    const { config, warnings } = load('');
    expect(config).toEqual({
      source: '/etc/ipsec-ts/config.yaml',
      listen: { address: '0.0.0.0', port: 4500 },
      stateDir: '/var/lib/ipsec-ts',
      control: { socket: '/var/lib/ipsec-ts/control.sock', mode: 0o600 },
      log: { level: 'info' },
      metrics: null,
      keepaliveMs: 20_000,
      sequenceReserveBlock: 65536,
      tun: null,
      defaultAction: 'bypass',
      sas: [],
      policies: [],
      connections: [],
      ike: {
        port: 500, halfOpenLimit: 1000, cookieThreshold: 100, retransmitTimeoutMs: 4000, retransmitBase: 1.8,
        retransmitTries: 5, rekeyGraceS: 30, invalidSpiIntervalS: 1, caCertificates: [],
      },
    });
    expect(warnings).toEqual([]);
  });

  it('resolves an SA: canonical addresses, key bytes, transform, ports, lifetimes', () => {
    const sa = load(SA).config.sas[0]!;
    expect(sa).toMatchObject({
      name: 'east', spi: 0xa001, direction: 'inbound', src: '2001:db8::1', dst: '2001:db8::2',
      encapsulation: { srcPort: 4501, dstPort: 4502 }, mode: 'transport',
      transform: { encryption: 'aes-ctr', keyBits: 256, integrity: 'hmac-sha512-256' },
      esn: true, replayWindow: 0, reqid: 9,
      soft: { addSeconds: 3000, useSeconds: 90, bytes: 512 * 1024 ** 2, packets: 1000 },
      hard: { addSeconds: 3600, useSeconds: 120, bytes: 1024 ** 3, packets: 2000 },
    });
    expect(Buffer.from(sa.keys.encryptionKey).toString('hex')).toBe(`${Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex')}a0a1a2a3`);
    expect(Buffer.from(sa.keys.integrityKey)).toEqual(Buffer.alloc(64, 0x5a));
  });

  it('resolves a policy into a PolicyInit with its template', () => {
    expect(load(SA).config.policies).toEqual([{
      id: 'east-transport', direction: 'both', action: 'protect',
      selectors: { local: ['2001:db8::2 tcp', '2001:db8::2 udp 500'], remote: ['2001:db8::1'] },
      template: { mode: 'transport', peer: null, reqid: 9, label: 'east-transport' },
    }]);
  });

  it('gives an SA its defaults: name from direction and SPI, ports 4500, tunnel, window 64, reqid 1', () => {
    const text = `sas:\n  - { direction: in, spi: 4097, src: 192.0.2.1, dst: 192.0.2.2, transform: aes128gmac, enc_key: ${'00'.repeat(20)} }\n` +
      `  - { direction: out, spi: 4098, src: 192.0.2.2, dst: 192.0.2.1, transform: aes128gmac, enc_key: ${'00'.repeat(20)} }\n`;
    const [inbound, outbound] = load(text).config.sas;
    expect(inbound).toMatchObject({
      name: 'in-0x00001001', encapsulation: { srcPort: 4500, dstPort: 4500 }, mode: 'tunnel', esn: false, replayWindow: 64, reqid: 1,
      transform: { encryption: 'aes-gmac', keyBits: 128, integrity: 'none' },
    });
    expect(inbound!.soft).toBeUndefined();
    expect(inbound!.keys.integrityKey.length).toBe(0);
    expect(outbound).toMatchObject({ name: 'out-0x00001002', replayWindow: 0 });
  });

  it('reads a bare hex key made only of digits as hex, not as a YAML number', () => {
    const text = `sas:\n  - { direction: in, spi: 4097, src: 192.0.2.1, dst: 192.0.2.2, transform: aes128gcm16, enc_key: ${'12'.repeat(20)} }\n`;
    expect(Buffer.from(load(text).config.sas[0]!.keys.encryptionKey)).toEqual(Buffer.alloc(20, 0x12));
  });

  it.each([
    ['0600', 0o600], ['"0600"', 0o600], ['0o600', 0o600], ['660', 0o660], ['"0640"', 0o640], ['0', 0],
  ])('reads control mode %s as octal', (written, mode) => {
    expect(load(`control:\n  mode: ${written}\n`).config.control.mode).toBe(mode);
  });

  it('resolves relative paths against the configuration file\'s folder', () => {
    const { config } = load('state_dir: ./state\ncontrol:\n  socket: run/ctl.sock\n', '/srv/gw/ipsec.yaml');
    expect(config.stateDir).toBe('/srv/gw/state');
    expect(config.control.socket).toBe('/srv/gw/run/ctl.sock');
    expect(load('state_dir: ../var\n', '/srv/gw/ipsec.yaml').config.control.socket).toBe('/srv/var/control.sock');
  });

  it.each([
    ['20s', 20_000], ['1500ms', 1500], ['5m', 300_000], ['1h30m', 5_400_000], ['1d', 86_400_000], ['30', 30_000], ['1.5', 1500], ['off', null], ['false', null],
  ])('reads nat_keepalive %s', (written, ms) => {
    expect(load(`nat_keepalive: ${written}\n`).config.keepaliveMs).toBe(ms);
  });

  it('turns metrics on with the loopback default when the section is present', () => {
    expect(load('metrics: {}\n').config.metrics).toEqual({ address: '127.0.0.1', port: 9790 });
    expect(load('metrics:\n  listen: "[::1]:9100"\n').config.metrics).toEqual({ address: '::1', port: 9100 });
  });

  it('resolves a TUN device with canonical addresses and routes', () => {
    const { config } = load('tun:\n  addresses: [10.1.0.1/24, "FD00:0::1/64"]\n  routes: [10.2.0.0/24, "2001:DB8::/32"]\n  mtu: 1280\n');
    expect(config.tun).toEqual({ name: 'ipsec0', addresses: ['10.1.0.1/24', 'fd00::1/64'], mtu: 1280, routes: ['10.2.0.0/24', '2001:db8::/32'] });
  });

  it('takes the other top-level settings', () => {
    const { config } = load('listen: { address: "::", port: 0 }\nlog: { level: warning }\nsequence_reserve: 1024\ndefault_action: discard\n');
    expect(config.listen).toEqual({ address: '::', port: 0 });
    expect(config.log.level).toBe('warn');
    expect(config.sequenceReserveBlock).toBe(1024);
    expect(config.defaultAction).toBe('discard');
  });
});

describe('warnings', () => {
  it('warns (without failing) about a replay window on an outbound SA', () => {
    const text = `sas:\n  - { direction: out, spi: 4097, src: 192.0.2.1, dst: 192.0.2.2, transform: aes128gcm16, enc_key: ${'00'.repeat(20)}, replay_window: 32 }\n` +
      'policies:\n  - { name: p, local: any, remote: any, action: protect, peer: 192.0.2.2 }\n';
    const { warnings } = load(text, 'w.yaml');
    expect(warnings).toEqual([expect.stringMatching(/^w\.yaml:2:141: sas\[0\]\.replay_window: ignored on an outbound SA/)]);
  });

  it('warns when a protect policy has no outbound SA with its reqid', () => {
    const { warnings } = load('policies:\n  - name: p\n    local: any\n    remote: any\n    action: protect\n    peer: 192.0.2.2\n    reqid: 5\n', 'w.yaml');
    expect(warnings).toEqual(['w.yaml:7:5: policies[0].reqid: no outbound SA has reqid 5: traffic this policy protects is dropped until one is added (`ipsec-ts sa add`)']);
  });

  it('warns when an SA serves no protect policy', () => {
    const text = `sas:\n  - { direction: in, spi: 4097, src: 192.0.2.1, dst: 192.0.2.2, transform: aes128gcm16, enc_key: ${'00'.repeat(20)} }\n`;
    expect(load(text, 'w.yaml').warnings).toEqual([expect.stringContaining("sas[0].reqid: no 'protect' policy has reqid 1")]);
  });

  it('warns about a metrics endpoint on a non-loopback address and a world-writable control socket', () => {
    const { warnings } = load('metrics:\n  listen: 0.0.0.0:9790\ncontrol:\n  mode: 0666\n', 'w.yaml');
    expect(warnings).toEqual([
      expect.stringMatching(/^w\.yaml:2:3: metrics\.listen: 0\.0\.0\.0 is not a loopback address/),
      expect.stringMatching(/^w\.yaml:4:3: control\.mode: mode 0666 lets every local user control the daemon/),
    ]);
  });
});
