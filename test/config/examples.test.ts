// The example configurations in examples/daemon/ load without errors, and hosts A and B are
// mirror images: A's outbound SA is B's inbound SA with the same SPI and key, and back. The
// IKEv2 examples pair up the same way: one PSK, identities and selectors swapped.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatConfigIssue, loadConfigFile } from '../../src/config/load.js';
import type { DaemonConfig } from '../../src/config/types.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/daemon');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

async function load(file: string): Promise<DaemonConfig> {
  const r = await loadConfigFile(join(dir, file));
  if (!r.ok) throw new Error(r.errors.map(formatConfigIssue).join('\n'));
  return r.config;
}

describe('examples/daemon', () => {
  it('has the two hosts and the library-API example', () => {
    expect(files).toEqual(expect.arrayContaining(['host-a.yaml', 'host-b.yaml', 'library-api.yaml']));
    expect(files).toEqual(expect.arrayContaining(['ikev2-psk-west.yaml', 'ikev2-psk-east.yaml', 'ikev2-cert-west.yaml', 'ikev2-cert-east.yaml']));
  });

  it('pairs the IKEv2 PSK hosts: one key, identities and selectors swapped, west starts', async () => {
    const [west, east] = [(await load('ikev2-psk-west.yaml')).connections[0]!, (await load('ikev2-psk-east.yaml')).connections[0]!];
    expect(west.psk).toEqual(east.psk);
    expect(west.psk!.length).toBe(32);
    expect([west.localId, west.remoteId]).toEqual([east.remoteId, east.localId]);
    expect([west.localAddress, west.remoteAddress]).toEqual([east.remoteAddress, east.localAddress]);
    expect(west.ikeProposals).toEqual(east.ikeProposals);
    expect([west.children[0]!.localTs, west.children[0]!.remoteTs]).toEqual([east.children[0]!.remoteTs, east.children[0]!.localTs]);
    expect([west.children[0]!.startAction, east.children[0]!.startAction]).toEqual(['start', 'none']);
  });

  it('pairs the IKEv2 certificate hosts: each trusts the CA that issued the other', async () => {
    const [west, east] = [await load('ikev2-cert-west.yaml'), await load('ikev2-cert-east.yaml')];
    expect(west.ike.caCertificates).toEqual(east.ike.caCertificates);
    expect(west.ike.caCertificates).toHaveLength(1);
    for (const c of [west, east]) expect(c.connections[0]!.localAuth.method).toBe('pubkey');
    expect(east.connections[0]!.remoteAddress).toBe('%any');
    expect(east.connections[0]!.remoteId).toBeNull();
  });

  it.each(files)('%s loads with no errors and no warnings but the file mode one', async (file) => {
    const r = await loadConfigFile(join(dir, file));
    expect(r.ok ? [] : r.errors.map(formatConfigIssue)).toEqual([]);
    if (r.ok) expect(r.warnings.filter((w) => !w.includes('chmod 600'))).toEqual([]);
  });

  it('pairs host A and host B SA for SA', async () => {
    const [a, b] = [await load('host-a.yaml'), await load('host-b.yaml')];
    for (const sa of a.sas) {
      const twin = b.sas.find((s) => s.spi === sa.spi)!;
      expect(twin.direction).not.toBe(sa.direction);
      expect([twin.src, twin.dst]).toEqual([sa.src, sa.dst]);
      expect(Buffer.from(twin.keys.encryptionKey)).toEqual(Buffer.from(sa.keys.encryptionKey));
      expect(twin.transform).toEqual(sa.transform);
    }
    expect(a.tun?.routes).toEqual(['10.2.0.0/24']);
    expect(b.tun?.routes).toEqual(['10.1.0.0/24']);
  });

  it('runs the library-API example without a TUN device, state next to the file', async () => {
    const c = await load('library-api.yaml');
    expect(c.tun).toBeNull();
    expect(c.stateDir).toBe(join(dir, 'state'));
  });
});
