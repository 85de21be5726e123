// The UDP reader's batch format (native/tun/src/udp.c), parsed without the addon: slabs built
// here by the layout the C comment documents, addresses checked against Node's own formatting
// (the WHATWG URL parser writes IPv6 hosts in RFC 5952 form).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { AddressText, META_BYTES, datagramsOfSlab } from '../../../src/io/udp/udp-batch.js';

interface Entry {
  readonly payload: Uint8Array;
  readonly family: 4 | 6;
  readonly src: Uint8Array;
  readonly port: number;
  readonly dst: Uint8Array | null;
}

/** offsets[count + 1], count metas of 36 bytes, datagrams back to back (as udp.c writes them). */
function slabOf(entries: readonly Entry[]): ArrayBuffer {
  const header = (entries.length + 1) * 4 + entries.length * META_BYTES;
  const slab = new ArrayBuffer(header + entries.reduce((n, e) => n + e.payload.length, 0));
  const offsets = new Uint32Array(slab, 0, entries.length + 1);
  const bytes = new Uint8Array(slab);
  offsets[0] = header;
  entries.forEach((e, i) => {
    const m = (entries.length + 1) * 4 + i * META_BYTES;
    bytes[m] = e.family;
    bytes[m + 1] = e.dst === null ? 0 : 1;
    bytes[m + 2] = e.port >> 8;
    bytes[m + 3] = e.port & 0xff;
    bytes.set(e.src, m + 4);
    if (e.dst !== null) bytes.set(e.dst, m + 20);
    bytes.set(e.payload, offsets[i]!);
    offsets[i + 1] = offsets[i]! + e.payload.length;
  });
  return slab;
}

function nodeText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  // RFC 5952 5: IPv4-mapped addresses keep a dotted tail (the URL parser writes hex there).
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

const entry = fc.oneof(
  fc.record({ payload: fc.uint8Array({ maxLength: 64 }), family: fc.constant(4 as const), src: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    port: fc.integer({ min: 0, max: 65535 }), dst: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 })) }),
  fc.record({ payload: fc.uint8Array({ maxLength: 64 }), family: fc.constant(6 as const),
    src: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.constantFrom(new Uint8Array(16), Uint8Array.from([0xfe, 0x80, ...Array<number>(13).fill(0), 1]))),
    port: fc.integer({ min: 0, max: 65535 }), dst: fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 })) }),
);

describe('the UDP batch slab', () => {
  it('gives back every datagram with its bytes, source address and port, and destination, in order', () => {
    fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 20 }), (entries) => {
      const got = datagramsOfSlab(slabOf(entries), entries.length);
      expect(got).toHaveLength(entries.length);
      got.forEach((d, i) => {
        const e = entries[i]!;
        expect([...d.payload]).toEqual([...e.payload]);
        expect(d.from).toEqual({ address: nodeText(e.src), family: e.family === 4 ? 'IPv4' : 'IPv6', port: e.port, size: e.payload.length });
        expect(d.to).toBe(e.dst === null ? null : nodeText(e.dst));
      });
    }));
  });

  it('hands out views into the slab, not copies', () => {
    const slab = slabOf([{ payload: Uint8Array.from([1, 2, 3]), family: 4, src: Uint8Array.from([10, 0, 0, 1]), port: 4500, dst: null }]);
    const [d] = datagramsOfSlab(slab, 1);
    expect(d!.payload.buffer).toBe(slab);
    expect(d!.payload.byteOffset).toBe(2 * 4 + META_BYTES);
  });

  it('reads the port in network byte order', () => {
    const [d] = datagramsOfSlab(slabOf([{ payload: new Uint8Array(1), family: 4, src: new Uint8Array(4), port: 0x1194, dst: null }]), 1);
    expect(d!.from.port).toBe(4500);
  });
});

describe('AddressText', () => {
  it('formats a new address after a repeated one, across families', () => {
    const text = new AddressText();
    const v4 = Uint8Array.from([192, 0, 2, 1]);
    const v6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...Array<number>(11).fill(0), 1]);
    expect(text.of(v4, 0, 4)).toBe('192.0.2.1');
    expect(text.of(v4, 0, 4)).toBe('192.0.2.1');
    expect(text.of(v6, 0, 6)).toBe('2001:db8::1');
    // The first four bytes of 2001:db8:: read as IPv4 are another address, not the cached one.
    expect(text.of(v6, 0, 4)).toBe('32.1.13.184');
    expect(text.of(Uint8Array.from([192, 0, 2, 2]), 0, 4)).toBe('192.0.2.2');
  });

  it('matches an uncached formatting over random sequences of addresses', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 30 }), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), (addrs, v4) => {
      const text = new AddressText();
      addrs.forEach((a, i) => {
        const family = v4[i] ? 4 : 6;
        expect(text.of(a, 0, family)).toBe(nodeText(family === 4 ? a.subarray(0, 4) : a));
      });
    }));
  });
});
