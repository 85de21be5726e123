// Unknown-SPI drops per second on one core: the cost of refusing (and explaining) a flood of
// ESP packets whose SPI matches nothing, through the real inbound pipeline.
import { randomBytes } from 'node:crypto';
import { createEspCipher } from '../src/esp/cipher.js';
import { SaDatabase } from '../src/sad/sad.js';
import { createInboundContext, processUdpDatagram } from '../src/datapath/inbound.js';

export interface UnknownSpiBenchResult {
  readonly installedSas: number;
  readonly distinctSpis: number;
  readonly dropsPerSecond: number;
  readonly nsPerDrop: number;
}

const META = { src: '198.51.100.7', dst: '203.0.113.1', srcPort: 4500, dstPort: 4500, encapsulated: true };

function populatedSad(count: number): SaDatabase {
  const sad = new SaDatabase();
  const transform = { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' } as const;
  const keys = { encryptionKey: randomBytes(20), integrityKey: Buffer.alloc(0) };
  const cipher = createEspCipher(transform, keys);
  for (let i = 0; i < count; i++) {
    sad.add({ spi: 0x1000 + i, direction: 'inbound', src: null, dst: META.dst, mode: 'tunnel', encapsulation: { srcPort: 4500, dstPort: 4500 }, transform, keys, cipher, esn: false, replayWindow: 64 }, 0);
  }
  return sad;
}

/** A small ring of 100-byte receive buffers, as a socket reuses them. */
const RING = 256;

/** The flood's SPI for packet n: `distinct` different values, far from the installed range. */
function spiFor(n: number, distinct: number): number {
  return (0x80000000 + (n % distinct) * 7919) >>> 0;
}

export function benchUnknownSpi(opts: { seconds: number; installedSas?: number; distinctSpis?: number }): UnknownSpiBenchResult {
  const installedSas = opts.installedSas ?? 10_000;
  const distinctSpis = opts.distinctSpis ?? 1024;
  const ctx = createInboundContext(populatedSad(installedSas));
  const ring = Array.from({ length: RING }, () => randomBytes(100));
  const receive = (n: number): Buffer => {
    const p = ring[n % RING]!;
    p.writeUInt32BE(spiFor(n, distinctSpis), 0);
    return p;
  };
  let now = Date.now();
  // Warm up the JIT before measuring.
  for (let i = 0; i < 200_000; i++) processUdpDatagram(ctx, receive(i), META, now);
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(opts.seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < 10_000; i++, n++) processUdpDatagram(ctx, receive(n), META, now);
    now += 1;
  }
  const ns = Number(process.hrtime.bigint() - start);
  return { installedSas, distinctSpis, dropsPerSecond: n / (ns / 1e9), nsPerDrop: ns / n };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const distinct of [1, 1024, 1_000_000]) {
    const r = benchUnknownSpi({ seconds: 2, distinctSpis: distinct });
    console.log(`unknown-SPI drops, ${r.distinctSpis} distinct SPIs, ${r.installedSas} SAs installed: ${(r.dropsPerSecond / 1e6).toFixed(2)} M/s (${r.nsPerDrop.toFixed(0)} ns each)`);
  }
}
