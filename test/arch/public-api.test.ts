// The package entry point works as users import it (`import { ... } from 'ipsec-ts'`, through
// the exports map to the built dist/), and a minimal round trip runs through it.
import { describe, expect, it } from 'vitest';

describe("the package's public API", () => {
  it('seals and opens a packet through the names the package exports', async () => {
    const api = await import('ipsec-ts');
    const keys = { encryptionKey: Buffer.alloc(20, 7), integrityKey: Buffer.alloc(0) };
    const transform = { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' } as const;
    const sad = new api.SaDatabase();
    sad.add({
      spi: 0x1000, direction: 'inbound', src: '192.0.2.1', dst: '192.0.2.2', mode: 'tunnel', encapsulation: { srcPort: 4500, dstPort: 4500 },
      transform, keys, cipher: api.createEspCipher(transform, keys), esn: false, replayWindow: 64,
    }, 0);
    const inner = api.buildIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, api.buildUdp({ srcPort: 1, dstPort: 2, src: '10.0.0.1', dst: '10.0.0.2' }, Buffer.from('hi')));
    const esp = api.encapsulate(api.createEspCipher(transform, keys), { spi: 0x1000, seqHi: 0, seqLo: 1, esn: false, nextHeader: 4, payload: inner });
    const ctx = api.createInboundContext(sad);
    const v = api.processUdpDatagram(ctx, esp, { src: '192.0.2.1', dst: '192.0.2.2', srcPort: 4500, dstPort: 4500, encapsulated: true }, 1);
    expect(v.verdict).toBe('delivered');
    expect(v.verdict === 'delivered' && v.packet.equals(inner)).toBe(true);
    expect(api.lookupExplanation('13910').ok).toBe(true);
  });
});

describe("the package's endpoint API", () => {
  it('carries an inner packet between two endpoints built from config entries', async () => {
    const api = await import('ipsec-ts');
    const entry = (direction: 'in' | 'out', from: number, to: number) => api.parseSaEntry({
      name: 'a-b', direction, spi: '0x2001', src: '127.0.0.1', dst: '127.0.0.1', ports: { src: from, dst: to },
      transform: 'aes128gcm16', enc_key: '0x000102030405060708090a0b0c0d0e0f10111213',
    });
    const policy = api.parsePolicyEntry({ name: 'p', local: '10.1.0.0/24', remote: '10.2.0.0/24', action: 'protect', mode: 'tunnel', peer: '127.0.0.1', reqid: 1 });
    const a = await api.IpsecEndpoint.open({ listen: { address: '127.0.0.1', port: 0 }, keepaliveMs: null });
    const b = await api.IpsecEndpoint.open({ listen: { address: '127.0.0.1', port: 0 }, keepaliveMs: null });
    try {
      const out = entry('out', a.listen.port, b.listen.port);
      const inb = entry('in', a.listen.port, b.listen.port);
      expect(out.ok && inb.ok && policy.ok).toBe(true);
      if (!out.ok || !inb.ok || !policy.ok) return;
      a.addPolicy(policy.value);
      a.addSa(out.value);
      b.addSa(inb.value);
      const inner = api.buildIpv4({ src: '10.1.0.1', dst: '10.2.0.1', protocol: 17 }, api.buildUdp({ srcPort: 1, dstPort: 2, src: '10.1.0.1', dst: '10.2.0.1' }, Buffer.from('hi')));
      const got = new Promise<Buffer>((resolve) => b.once('delivered', (p) => resolve(p)));
      expect(a.send(inner).verdict).toBe('protected');
      expect((await got).equals(inner)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
