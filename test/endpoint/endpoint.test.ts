// Two live endpoints on loopback, talking ESP in UDP through real sockets.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { IpsecEndpoint } from '../../src/endpoint/endpoint.js';
import type { ManualSaConfig } from '../../src/config/types.js';
import type { DropRecord } from '../../src/endpoint/drop-record.js';
import type { EndpointPersistence, SequenceGuard } from '../../src/endpoint/ports.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';
import { buildUdp } from '../../src/packet/udp.js';

const LO = '127.0.0.1';
const open: IpsecEndpoint[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function endpoint(options: Parameters<typeof IpsecEndpoint.open>[0] = {}): Promise<IpsecEndpoint> {
  const e = await IpsecEndpoint.open({ listen: { address: LO, port: 0 }, keepaliveMs: null, ...options });
  open.push(e);
  return e;
}

function sa(name: string, direction: 'inbound' | 'outbound', spi: number, srcPort: number, dstPort: number, key: Buffer, extra: Partial<ManualSaConfig> = {}): ManualSaConfig {
  return {
    name, spi, direction, src: LO, dst: LO, encapsulation: { srcPort, dstPort }, mode: 'tunnel',
    transform: { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' },
    keys: { encryptionKey: key, integrityKey: new Uint8Array(0) }, esn: false, replayWindow: 64, reqid: 1, ...extra,
  };
}

function inner(src: string, dst: string, body = 'hello through the tunnel'): Buffer {
  const udp = buildUdp({ src, dst, srcPort: 5000, dstPort: 6000 }, Buffer.from(body));
  return buildIpv4({ src, dst, protocol: 17 }, udp);
}

async function pair(options: { persistence?: EndpointPersistence; hard?: ManualSaConfig['hard'] } = {}) {
  const a = await endpoint({ persistence: options.persistence ?? null });
  const b = await endpoint();
  const key = randomBytes(20);
  a.addPolicy({ id: 'a-b', action: 'protect', selectors: { local: '10.1.0.0/24', remote: '10.2.0.0/24' }, template: { mode: 'tunnel', peer: LO, reqid: 1 } });
  b.addPolicy({ id: 'b-a', action: 'protect', selectors: { local: '10.2.0.0/24', remote: '10.1.0.0/24' }, template: { mode: 'tunnel', peer: LO, reqid: 1 } });
  const out = a.addSa(sa('a-to-b', 'outbound', 0x1001, a.listen.port, b.listen.port, key, { hard: options.hard }));
  const inb = b.addSa(sa('a-to-b', 'inbound', 0x1001, a.listen.port, b.listen.port, key, { hard: options.hard }));
  return { a, b, out, inb, key };
}

function nextEvent<T>(register: (resolve: (v: T) => void) => void, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
    register((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

describe('IpsecEndpoint', () => {
  it('carries an inner packet from one endpoint to the other, sealed on the wire', async () => {
    const { a, b } = await pair();
    const packet = inner('10.1.0.5', '10.2.0.9');
    const got = nextEvent<Buffer>((r) => b.once('delivered', (p) => r(p)));
    const sent = a.send(packet);
    expect(sent.verdict).toBe('protected');
    expect((await got).equals(packet)).toBe(true);
    expect(a.udpStats().sent).toBe(1);
    expect(b.inbound.counters.delivered).toBe(1);
  });

  it('refuses to send traffic that needs protection when no SA serves it, with a diagnosis', async () => {
    const { a, out } = await pair();
    a.removeSa(out);
    const drops: DropRecord[] = [];
    a.on('drop', (r) => drops.push(r));
    const v = a.send(inner('10.1.0.5', '10.2.0.9'));
    expect(v.verdict).toBe('dropped');
    expect(drops).toHaveLength(1);
    expect(drops[0]!.direction).toBe('outbound');
    expect(drops[0]!.reason).toBe('no-outbound-sa');
  });

  it('passes traffic no policy covers back to the caller (default bypass)', async () => {
    const { a } = await pair();
    const v = a.send(inner('192.168.7.1', '192.168.7.2'));
    expect(v.verdict).toBe('bypass');
  });

  it('diagnoses a packet on an SA that hit its hard lifetime as BAD_SPI / expired with the limit', async () => {
    const { a, b } = await pair({ hard: { addSeconds: 0.3 } });
    const delivered = nextEvent<Buffer>((r) => b.once('delivered', (p) => r(p)));
    a.send(inner('10.1.0.5', '10.2.0.9'));
    await delivered;
    await new Promise((r) => setTimeout(r, 700));
    // The sender's SA expired too; forge the late packet with the same keys from a raw socket.
    const expired = b.sad.history.entries().find((t) => t.spi === 0x1001);
    expect(expired?.reason).toBe('expired');
    const raw = createSocket('udp4');
    const drop = nextEvent<DropRecord>((r) => b.once('drop', (rec) => r(rec)));
    raw.send(Buffer.concat([Buffer.from([0, 0, 0x10, 0x01, 0, 0, 0, 2]), randomBytes(40)]), b.listen.port, LO);
    const rec = await drop;
    raw.close();
    expect(rec.windowsName).toBe('ERROR_IPSEC_BAD_SPI');
    expect(rec.windowsCode).toBe(13910);
    expect(rec.linuxCounter).toBe('XfrmInNoStates');
    expect(rec.cause).toBe('expired');
    expect(rec.evidence.limit).toBe('add-time');
  });

  it('raises a soft-expiry event and a warning log line, and keeps the SA usable until the hard limit', async () => {
    const lines: { msg: string; fields: Record<string, unknown> | undefined }[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (msg: string, fields?: Record<string, unknown>) => { lines.push({ msg, fields }); } };
    const b = await endpoint({ log, lifetimeTickMs: 50 });
    const soft = nextEvent<string>((r) => b.on('sa', (e) => { if (e.type === 'soft-expired') r(e.expiry.limit); }));
    const inb = b.addSa(sa('soft', 'inbound', 0x3001, 1, b.listen.port, randomBytes(20), { soft: { addSeconds: 0.2 }, hard: { addSeconds: 30 } }));
    expect(await soft).toBe('add-time');
    expect(inb.state).toBe('dying');
    expect(inb.usable).toBe(true);
    const line = lines.find((l) => l.fields?.event === 'soft-expired');
    expect(line?.msg).toMatch(/soft add-time lifetime/);
    expect(line?.fields?.spi).toBe('0x00003001');
  });

  it('sends RFC 3948 keepalives (one 0xFF octet) to each peer of an outbound SA, and counts received ones', async () => {
    const { a, b } = await pair();
    expect(a.sendKeepalives()).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(b.inbound.counters.keepalive).toBe(1);
  });

  it('starts an outbound SA above the persisted mark and reserves before a number is used', async () => {
    const calls: number[] = [];
    let reserved = 1000;
    const guard: SequenceGuard = {
      start: () => 1001,
      ensure: (n) => {
        calls.push(n);
        reserved = n + 10;
      },
      get reservedThrough() {
        return reserved;
      },
    };
    const persistence: EndpointPersistence = { sequenceGuard: () => guard, appendDrop: () => null, queryDrops: () => [] };
    const { a, b } = await pair({ persistence });
    const got = nextEvent<Buffer>((r) => b.once('delivered', (p) => r(p)));
    const v = a.send(inner('10.1.0.5', '10.2.0.9'));
    await got;
    expect(v.verdict === 'protected' && v.seqLo).toBe(1001);
    expect(calls).toEqual([1001]);
  });

  it('a second endpoint on the same port fails with a message that says what to do', async () => {
    const a = await endpoint();
    await expect(IpsecEndpoint.open({ listen: { address: LO, port: a.listen.port } })).rejects.toThrow(/in use .*listen\.port/);
  });
});
