// fast-check generators for selectors and packets. Addresses cluster around a few anchors
// (0, 64-bit and 32-bit word boundaries, the top of the space) so that random selectors and
// random packets meet often enough for matches and near misses on both sides of every edge.
import fc from 'fast-check';
import { formatIpv4, formatIpv6 } from '../../src/wire/address.js';
import type { SpdPacketFields, TrafficSelector } from '../../src/spd/selector.js';

const V4_ANCHORS = [0n, 0x0a000000n, 0x0a0000ffn, 0x7fffffffn, 0x80000000n, 0xc0a80000n, 0xffffffffn];
const V6_ANCHORS = [
  0n,
  (1n << 32n) - 1n,
  1n << 32n,
  (1n << 64n) - 1n, // ::ffff:ffff:ffff:ffff, last address below the 64-bit boundary
  1n << 64n,
  (1n << 64n) + 1n,
  (1n << 96n) - 1n,
  0x20010db8n << 96n,
  (0x20010db8n << 96n) + (1n << 64n),
  (1n << 128n) - 1n,
];

export function bigIntToIp(value: bigint, family: 4 | 6): string {
  const size = family === 4 ? 4 : 16;
  const bytes = Buffer.alloc(size);
  let v = value;
  for (let i = size - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return family === 4 ? formatIpv4(bytes, 0) : formatIpv6(bytes, 0);
}

function clamp(v: bigint, family: 4 | 6): bigint {
  const max = family === 4 ? 0xffffffffn : (1n << 128n) - 1n;
  return v < 0n ? 0n : v > max ? max : v;
}

export function addressValue(family: 4 | 6): fc.Arbitrary<bigint> {
  const anchors = family === 4 ? V4_ANCHORS : V6_ANCHORS;
  const near = fc.tuple(fc.constantFrom(...anchors), fc.integer({ min: -3, max: 3 })).map(([a, d]) => clamp(a + BigInt(d), family));
  const random = family === 4
    ? fc.bigInt({ min: 0n, max: 0xffffffffn })
    : fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
  return fc.oneof({ arbitrary: near, weight: 4 }, { arbitrary: random, weight: 1 });
}

const PROTOCOLS = [0, 1, 6, 17, 47, 58, 132];
const PORT_POINTS = [0, 1, 79, 80, 81, 443, 2047, 2048, 2303, 2304, 65534, 65535];

function portRange(): fc.Arbitrary<{ startPort: number; endPort: number }> {
  const point = fc.oneof(fc.constantFrom(...PORT_POINTS), fc.integer({ min: 0, max: 65535 }));
  return fc.oneof(
    fc.constant({ startPort: 0, endPort: 65535 }), // ANY
    fc.constant({ startPort: 65535, endPort: 0 }), // OPAQUE
    fc.tuple(point, point).map(([a, b]) => ({ startPort: Math.min(a, b), endPort: Math.max(a, b) })),
  );
}

export function trafficSelector(): fc.Arbitrary<TrafficSelector> {
  return fc.constantFrom<4 | 6>(4, 6).chain((family) =>
    fc.record({
      protocol: fc.constantFrom(...PROTOCOLS),
      ports: portRange(),
      a: addressValue(family),
      b: addressValue(family),
    }).map(({ protocol, ports, a, b }) => ({
      protocol,
      startPort: ports.startPort,
      endPort: ports.endPort,
      startAddress: bigIntToIp(a < b ? a : b, family),
      endAddress: bigIntToIp(a < b ? b : a, family),
    })));
}

export function selectorPair(): fc.Arbitrary<{ local: TrafficSelector[]; remote: TrafficSelector[] }> {
  return fc.record({
    local: fc.array(trafficSelector(), { minLength: 1, maxLength: 3 }),
    remote: fc.array(trafficSelector(), { minLength: 1, maxLength: 3 }),
  });
}

export function packetFields(): fc.Arbitrary<SpdPacketFields> {
  const port = fc.oneof(fc.constantFrom(...PORT_POINTS), fc.integer({ min: 0, max: 65535 }));
  const byte = fc.oneof(fc.constantFrom(0, 3, 8, 255), fc.integer({ min: 0, max: 255 }));
  return fc.constantFrom<4 | 6>(4, 6).chain((family) =>
    fc.record({
      src: addressValue(family).map((v) => bigIntToIp(v, family)),
      dst: addressValue(family).map((v) => bigIntToIp(v, family)),
      protocol: fc.constantFrom(...PROTOCOLS.filter((p) => p !== 0)),
      srcPort: fc.option(port, { nil: null }),
      dstPort: fc.option(port, { nil: null }),
      icmpType: fc.option(byte, { nil: null }),
      icmpCode: fc.option(byte, { nil: null }),
      isNonFirstFragment: fc.boolean(),
    }));
}

/**
 * A selector built around one address of the packet: its range contains the address or
 * just misses it, its protocol and ports agree with the packet or just miss it.
 */
function selectorNear(address: bigint, family: 4 | 6, protocol: number, value: number | null): fc.Arbitrary<TrafficSelector> {
  const delta = fc.integer({ min: -2, max: 2 }).map(BigInt);
  const ports = fc.oneof(
    fc.constant({ startPort: 0, endPort: 65535 }),
    fc.constant({ startPort: 0, endPort: 65535 }),
    fc.constant({ startPort: 65535, endPort: 0 }),
    fc.tuple(fc.integer({ min: -1, max: 1 }), fc.integer({ min: -1, max: 1 })).map(([a, b]) => {
      const v = value ?? 80;
      const lo = Math.max(0, Math.min(65535, v + a));
      const hi = Math.max(0, Math.min(65535, v + b));
      return { startPort: Math.min(lo, hi), endPort: Math.max(lo, hi) };
    }),
  );
  return fc.record({ d1: delta, d2: delta, ports, protocol: fc.constantFrom(0, protocol, protocol, 17) }).map(({ d1, d2, ports, protocol }) => {
    const a = clamp(address + d1, family);
    const b = clamp(address + d2, family);
    return {
      protocol,
      ...ports,
      startAddress: bigIntToIp(a < b ? a : b, family),
      endAddress: bigIntToIp(a < b ? b : a, family),
    };
  });
}

/** A packet and a selector pair built near it, so matches and near misses are both common. */
export function packetWithNearPair(): fc.Arbitrary<{ fields: SpdPacketFields; pair: { local: TrafficSelector[]; remote: TrafficSelector[] } }> {
  return fc.constantFrom<4 | 6>(4, 6).chain((family) =>
    fc.record({ s: addressValue(family), d: addressValue(family), base: packetFields() }).chain(({ s, d, base }) => {
      const fields: SpdPacketFields = { ...base, src: bigIntToIp(s, family), dst: bigIntToIp(d, family) };
      const side = (address: bigint, value: number | null): fc.Arbitrary<TrafficSelector[]> => fc.array(
        fc.oneof({ arbitrary: selectorNear(address, family, base.protocol, value), weight: 4 }, { arbitrary: trafficSelector(), weight: 1 }),
        { minLength: 1, maxLength: 2 });
      const icmp = (base.protocol === 1 || base.protocol === 58) && base.icmpType !== null && base.icmpCode !== null
        ? base.icmpType * 256 + base.icmpCode : null;
      return fc.record({ local: side(s, icmp ?? base.srcPort), remote: side(d, icmp ?? base.dstPort) })
        .map((pair) => ({ fields, pair }));
    }));
}
