// TS payload selectors (RFC 7296 3.13.1) to SPD selectors and back. The received ones are
// network input: every refusal is a typed value. Expected texts are written out by hand.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TrafficSelector as PayloadSelector } from '../../../src/ike/message/types.js';
import { selectorFromPayload, selectorsFromPayload, selectorToPayload } from '../../../src/ike/ts/convert.js';

const V4 = 7, V6 = 8; // RFC 7296 3.13.1 TS Type values

function ts(tsType: number, start: string, end: string, ipProtocol = 0, startPort = 0, endPort = 65535): PayloadSelector {
  return { tsType, ipProtocol, startPort, endPort, startAddress: Buffer.from(start, 'hex'), endAddress: Buffer.from(end, 'hex') };
}

describe('selectorFromPayload', () => {
  it('reads an IPv4 range with protocol and ports into dotted-quad text', () => {
    const r = selectorFromPayload(ts(V4, '0a010000', '0a0100ff', 6, 443, 443));
    expect(r).toEqual({ ok: true, selector: { protocol: 6, startPort: 443, endPort: 443, startAddress: '10.1.0.0', endAddress: '10.1.0.255' } });
  });

  it('reads an IPv6 range into RFC 5952 text', () => {
    const r = selectorFromPayload(ts(V6, '20010db8000000000000000000000000', '20010db80000ffffffffffffffffffff'));
    expect(r.ok && r.selector).toEqual({ protocol: 0, startPort: 0, endPort: 65535, startAddress: '2001:db8::', endAddress: '2001:db8:0:ffff:ffff:ffff:ffff:ffff' });
  });

  it('keeps OPAQUE ports (start 65535, end 0)', () => {
    const r = selectorFromPayload(ts(V4, '0a000001', '0a000001', 17, 65535, 0));
    expect(r.ok && [r.selector.startPort, r.selector.endPort]).toEqual([65535, 0]);
  });

  it('reads addresses from views at a non-zero offset', () => {
    const big = Buffer.from('ffff0a000001ffff0a000009', 'hex');
    const r = selectorFromPayload({ tsType: V4, ipProtocol: 0, startPort: 0, endPort: 65535, startAddress: big.subarray(2, 6), endAddress: big.subarray(8, 12) });
    expect(r.ok && [r.selector.startAddress, r.selector.endAddress]).toEqual(['10.0.0.1', '10.0.0.9']);
  });

  it.each<[string, PayloadSelector, string]>([
    ['an unknown TS type', ts(9, '0a000001', '0a000001'), 'unsupported-ts-type'],
    ['an IPv4 selector with 16-octet addresses', ts(V4, '00'.repeat(16), '00'.repeat(16)), 'bad-address-length'],
    ['an IPv6 selector with 4-octet addresses', ts(V6, '0a000001', '0a000001'), 'bad-address-length'],
    ['addresses of different lengths', ts(V4, '0a000001', '0a00000101'), 'bad-address-length'],
    ['a start address above the end address', ts(V4, '0a000009', '0a000001'), 'empty-address-range'],
    ['a start port above the end port that is not OPAQUE', ts(V4, '0a000001', '0a000001', 6, 80, 79), 'bad-port-range'],
  ])('refuses %s with a typed reason', (_, input, reason) => {
    const r = selectorFromPayload(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(reason);
  });

  it('keeps the usable selectors of a list and says which were skipped and why', () => {
    const r = selectorsFromPayload([ts(9, '00', '00'), ts(V4, '0a000001', '0a000002'), ts(V4, '0a000009', '0a000001')]);
    expect(r.selectors.map((s) => s.startAddress)).toEqual(['10.0.0.1']);
    expect(r.skipped.map((s) => [s.index, s.reason])).toEqual([[0, 'unsupported-ts-type'], [2, 'empty-address-range']]);
  });

  it('never throws on arbitrary selector fields', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 }),
      fc.integer({ min: 0, max: 65535 }), fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }), (tsType, p, sp, ep, a, b) => {
        const r = selectorFromPayload({ tsType, ipProtocol: p, startPort: sp, endPort: ep, startAddress: Buffer.from(a), endAddress: Buffer.from(b) });
        expect(typeof r.ok).toBe('boolean');
      }), { numRuns: 2000 });
  });
});

describe('selectorToPayload', () => {
  it('writes IPv4 text as TS_IPV4_ADDR_RANGE with 4-octet addresses', () => {
    const p = selectorToPayload({ protocol: 17, startPort: 500, endPort: 4500, startAddress: '192.0.2.1', endAddress: '192.0.2.200' });
    expect([p.tsType, p.ipProtocol, p.startPort, p.endPort, p.startAddress.toString('hex'), p.endAddress.toString('hex')])
      .toEqual([7, 17, 500, 4500, 'c0000201', 'c00002c8']);
  });

  it('writes IPv6 text as TS_IPV6_ADDR_RANGE, whatever the spelling', () => {
    const p = selectorToPayload({ protocol: 0, startPort: 0, endPort: 65535, startAddress: '2001:DB8::1', endAddress: '2001:db8:0:0:0:0:0:ff' });
    expect([p.tsType, p.startAddress.toString('hex'), p.endAddress.toString('hex')])
      .toEqual([8, '20010db8000000000000000000000001', '20010db80000000000000000000000ff']);
  });

  it('throws RangeError on selectors that are not ours to send (API misuse)', () => {
    expect(() => selectorToPayload({ protocol: 0, startPort: 0, endPort: 65535, startAddress: '10.0.0.1', endAddress: '::1' })).toThrow(RangeError);
    expect(() => selectorToPayload({ protocol: 300, startPort: 0, endPort: 65535, startAddress: '10.0.0.1', endAddress: '10.0.0.1' })).toThrow(/protocol/);
    expect(() => selectorToPayload({ protocol: 0, startPort: 0, endPort: 65535, startAddress: 'nope', endAddress: '10.0.0.1' })).toThrow(/startAddress/);
  });

  it('reads back what it writes for any valid selector', () => {
    fc.assert(fc.property(fc.boolean(), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), (v6, x, y, proto, p1, p2) => {
        const len = v6 ? 16 : 4;
        const [a, b] = [Buffer.from(x.subarray(0, len)), Buffer.from(y.subarray(0, len))].sort(Buffer.compare);
        const input = ts(v6 ? V6 : V4, a!.toString('hex'), b!.toString('hex'), proto, Math.min(p1, p2), Math.max(p1, p2));
        const r = selectorFromPayload(input);
        expect(r.ok).toBe(true);
        if (r.ok) expect(selectorToPayload(r.selector)).toEqual(input);
      }), { numRuns: 500 });
  });
});
