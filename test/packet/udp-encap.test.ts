// RFC 3948 demultiplexing on the NAT-T port and the ESP header readers (RFC 4303 2).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ESP_HEADER_LENGTH, espSequence, espSpi, parseEspHeader } from '../../src/packet/esp-header.js';
import type { UdpEncapKind } from '../../src/packet/udp-encap.js';
import { classifyUdpEncap, describeUdpEncapInvalid, udpEncapInvalidReason } from '../../src/packet/udp-encap.js';
import { embedded, hex } from './helpers.js';

/** The rules of RFC 3948 2.1-2.3 written out plainly, as the model the fast path must match. */
function model(p: Uint8Array): UdpEncapKind {
  if (p.length === 1 && p[0] === 0xff) return 'keepalive';
  if (p.length >= 4 && p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0) return 'ike';
  if (p.length >= 8) return 'esp';
  return 'invalid';
}

describe('classifyUdpEncap', () => {
  it('classifies the cases RFC 3948 names', () => {
    expect(classifyUdpEncap(hex('ff'))).toBe('keepalive'); // 2.3
    expect(classifyUdpEncap(hex('00000000 ' + '11'.repeat(28)))).toBe('ike'); // 2.2: marker + IKE header
    expect(classifyUdpEncap(hex('00001001 00000001 ' + 'aa'.repeat(20)))).toBe('esp'); // 2.1: SPI 0x1001
  });

  it('calls payloads too short for any of them invalid, with a reason', () => {
    const cases: [string, string | null][] = [
      ['', 'empty'], ['00', 'one-byte-not-keepalive'], ['fe', 'one-byte-not-keepalive'], ['ffff', 'too-short'],
      ['000000', 'too-short'], ['01020304', 'too-short'], ['01020304050607', 'too-short'], ['ff00000000000000', null],
    ];
    for (const [h, reason] of cases) {
      expect(udpEncapInvalidReason(hex(h)), h).toBe(reason);
      if (reason) expect(describeUdpEncapInvalid(reason as 'empty', h.length / 2)).toMatch(/\w/);
    }
  });

  it('agrees with the plain model on random payloads, biased to the boundaries', () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.uint8Array({ maxLength: 12 }).map((b) => { const c = Uint8Array.from(b); c.fill(0, 0, Math.min(4, c.length)); return c; }),
      fc.constant(Uint8Array.of(0xff)),
    );
    fc.assert(fc.property(payload, (p) => { expect(classifyUdpEncap(p)).toBe(model(p)); }), { numRuns: 5000 });
  });
});

describe('ESP header', () => {
  const esp = hex('c0ffee01 0000002a 0102030405');

  it('reads SPI and sequence number at any offset', () => {
    const { buf, off } = embedded(esp, 9);
    expect(espSpi(buf, off)).toBe(0xc0ffee01);
    expect(espSequence(buf, off)).toBe(42);
    expect(parseEspHeader(buf, off)).toEqual({ ok: true, spi: 0xc0ffee01, sequence: 42, payloadOffset: off + 8, payloadLength: 5 });
  });

  it('reports truncated at every length below the 8-byte header', () => {
    for (let n = 0; n < ESP_HEADER_LENGTH; n++) expect(parseEspHeader(esp.subarray(0, n))).toMatchObject({ ok: false, reason: 'truncated' });
    expect(parseEspHeader(esp.subarray(0, 8))).toMatchObject({ ok: true, payloadLength: 0 });
  });

  it('does not refuse a reserved SPI: the SA lookup explains it', () => {
    expect(parseEspHeader(hex('00000000 00000001'))).toMatchObject({ ok: true, spi: 0 });
  });
});
