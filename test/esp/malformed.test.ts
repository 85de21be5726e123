// Every malformed class decapsulate() must refuse with a typed failure and never throw:
// truncation at every length, extension, authentic packets (valid ICV, built by the reference
// model with the right key) that carry a bad pad length, bad padding bytes or a misaligned
// ciphertext, and the boundary cases that must still open.
import { describe, expect, it } from 'vitest';
import { createEspCipher } from '../../src/esp/cipher.js';
import type { EspOpenFailure, EspOpenResult } from '../../src/esp/decapsulate.js';
import { decapsulate } from '../../src/esp/decapsulate.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import type { TransformSpec } from '../../src/esp/transform-spec.js';
import { referenceIvLength, referenceSeal, sequenceIv } from './reference.js';
import { allSpecs, randomKeys, specName } from './support.js';

const ICV_LENGTH: Record<string, number> = { 'hmac-sha1-96': 12, 'hmac-sha256-128': 16, 'hmac-sha384-192': 24, 'hmac-sha512-256': 32 };
const icvLengthOf = (spec: TransformSpec): number => (spec.integrity === 'none' ? (spec.icvLength ?? 16) : ICV_LENGTH[spec.integrity]!);

function expectFailure(r: EspOpenResult, failure: EspOpenFailure): void {
  expect(r.ok ? 'ok' : r.failure).toBe(failure);
  if (!r.ok) expect(r.detail.length).toBeGreaterThan(10);
}

describe.each(allSpecs().map((s) => [specName(s), s] as const))('%s', (_name, spec) => {
  const keys = randomKeys(spec);
  const cipher = createEspCipher(spec, keys);
  const cbc = spec.encryption === 'aes-cbc';
  const ivLength = referenceIvLength(spec);
  const overhead = 8 + ivLength + icvLengthOf(spec);
  /** An authentic packet around any plaintext (the trailer inside is whatever the test wants). */
  const sealRaw = (plaintext: Buffer): Buffer =>
    referenceSeal(spec, keys, { spi: 0xabc, seqHi: 0, seqLo: 3, esn: false, iv: cbc ? Buffer.alloc(16, 9) : sequenceIv(0, 3).subarray(0, ivLength), plaintext });

  it('refuses the packet cut at every length from 0 to full - 1, with the failure the length implies', () => {
    const packet = encapsulate(cipher, { spi: 0xabc, seqHi: 0, seqLo: 3, esn: false, nextHeader: 4, payload: Buffer.alloc(37, 1) });
    for (let length = 0; length < packet.length; length++) {
      const ciphertext = length - overhead;
      const expected = ciphertext < (cbc ? 16 : 2) ? 'too-short' : ciphertext % (cbc ? 16 : 4) !== 0 ? 'misaligned' : 'icv';
      expectFailure(decapsulate(cipher, packet.subarray(0, length), 0, false), expected);
    }
  });

  it('refuses the packet with 1 to 16 extra bytes appended', () => {
    const packet = encapsulate(cipher, { spi: 0xabc, seqHi: 0, seqLo: 3, esn: false, nextHeader: 4, payload: Buffer.alloc(37, 1) });
    for (let extra = 1; extra <= 16; extra++) {
      const r = decapsulate(cipher, Buffer.concat([packet, Buffer.alloc(extra, 0xee)]), 0, false);
      expectFailure(r, extra % (cbc ? 16 : 4) === 0 ? 'icv' : 'misaligned');
    }
  });

  it("refuses an authentic packet whose pad length exceeds what precedes it ('pad-length')", () => {
    const before = cbc ? 14 : 2;
    expectFailure(decapsulate(cipher, sealRaw(Buffer.concat([Buffer.alloc(before, 7), Buffer.from([before + 1, 4])])), 0, false), 'pad-length');
    expectFailure(decapsulate(cipher, sealRaw(Buffer.concat([Buffer.alloc(before, 7), Buffer.from([255, 4])])), 0, false), 'pad-length');
  });

  it("refuses authentic packets whose padding is not 1, 2, 3, ... ('padding')", () => {
    const payload = Buffer.alloc(cbc ? 11 : 3, 7);
    for (const padding of [[1, 2, 9], [0, 0, 0], [2, 3, 4], [1, 2, 2]]) {
      expectFailure(decapsulate(cipher, sealRaw(Buffer.concat([payload, Buffer.from(padding), Buffer.from([3, 4])])), 0, false), 'padding');
    }
  });

  it('opens the boundary cases: all padding and no payload, and the maximal 255 padding bytes', () => {
    const allPadding = cbc ? 14 : 2;
    const onlyPadding = Buffer.from([...Array.from({ length: allPadding }, (_, i) => i + 1), allPadding, 59]);
    expect(decapsulate(cipher, sealRaw(onlyPadding), 0, false)).toEqual({ ok: true, payload: Buffer.alloc(0), padLength: allPadding, nextHeader: 59 });
    const payload = Buffer.alloc(cbc ? 15 : 3, 0x42); // 15 + 255 + 2 = 272 = 17 blocks; 3 + 255 + 2 = 260
    const maxPadding = Buffer.concat([payload, Buffer.from(Array.from({ length: 255 }, (_, i) => i + 1)), Buffer.from([255, 41])]);
    expect(decapsulate(cipher, sealRaw(maxPadding), 0, false)).toEqual({ ok: true, payload, padLength: 255, nextHeader: 41 });
  });

  it("refuses an otherwise authentic packet whose ciphertext is not aligned ('misaligned', RFC 4303 2.4)", () => {
    if (cbc) {
      // CBC cannot even produce one: any 17-byte ciphertext is refused before the ICV.
      expectFailure(decapsulate(cipher, Buffer.alloc(overhead + 17), 0, false), 'misaligned');
      return;
    }
    expectFailure(decapsulate(cipher, sealRaw(Buffer.from([1, 2, 3, 0, 4])), 0, false), 'misaligned');
  });
});
