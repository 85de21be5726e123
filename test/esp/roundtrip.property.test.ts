// Property tests over every supported transform (41 configurations), against the naive
// reference model in reference.ts (written from the RFCs, sharing no code with src/esp):
// - encapsulate() produces exactly the reference packet (default IVs included), for payloads
//   of 0..2000 bytes, ESN on and off, with and without TFC padding;
// - decapsulate() opens reference packets to the padded payload and the next header;
// - any single bit flip anywhere in a packet is an 'icv' failure;
// - inputs given as views at non-zero offsets inside larger buffers work the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEspCipher } from '../../src/esp/cipher.js';
import { decapsulate } from '../../src/esp/decapsulate.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import type { TransformSpec } from '../../src/esp/transform-spec.js';
import { referenceIvLength, referencePlaintext, referenceSeal, sequenceIv } from './reference.js';
import { allSpecs, randomKeys, specName } from './support.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

const sealCase = fc.record({
  spi: u32,
  seqLo: u32,
  esn: fc.boolean(),
  esnHi: u32,
  nextHeader: fc.integer({ min: 0, max: 255 }),
  payload: fc.uint8Array({ minLength: 0, maxLength: 2000 }),
  tfcPadTo: fc.option(fc.integer({ min: 0, max: 2100 }), { nil: undefined }),
  ivSeed: fc.uint8Array({ minLength: 16, maxLength: 16 }),
});

/** The IV encapsulate() will send: the sequence number (counter modes) or a chosen one (CBC). */
function ivFor(spec: TransformSpec, seqHi: number, seqLo: number, seed: Uint8Array): Buffer {
  if (spec.encryption === 'aes-cbc') return Buffer.from(seed);
  return referenceIvLength(spec) === 0 ? Buffer.alloc(0) : sequenceIv(seqHi, seqLo);
}

describe.each(allSpecs().map((s) => [specName(s), s] as const))('%s', (_name, spec) => {
  const keys = randomKeys(spec);
  const cipher = createEspCipher(spec, keys);

  it('encapsulates to exactly the reference packet, and decapsulates it back', () => {
    fc.assert(fc.property(sealCase, (c) => {
      const seqHi = c.esn ? c.esnHi : 0;
      const iv = ivFor(spec, seqHi, c.seqLo, c.ivSeed);
      const out = encapsulate(cipher, {
        spi: c.spi, seqHi, seqLo: c.seqLo, esn: c.esn, nextHeader: c.nextHeader, payload: c.payload, tfcPadTo: c.tfcPadTo,
        iv: spec.encryption === 'aes-cbc' ? iv : undefined,
      });
      const plaintext = referencePlaintext(spec, c.payload, c.nextHeader, c.tfcPadTo);
      const expected = referenceSeal(spec, keys, { spi: c.spi, seqHi, seqLo: c.seqLo, esn: c.esn, iv, plaintext });
      expect(out.toString('hex')).toBe(expected.toString('hex'));
      const opened = decapsulate(cipher, expected, seqHi, c.esn);
      const padLength = plaintext[plaintext.length - 2]!;
      expect(opened).toEqual({ ok: true, nextHeader: c.nextHeader, padLength, payload: plaintext.subarray(0, plaintext.length - 2 - padLength) });
    }), { numRuns: 25 });
  });

  it('turns every single bit flip of a packet into an ICV failure', () => {
    const packet = encapsulate(cipher, { spi: 0x1234, seqHi: 7, seqLo: 9, esn: true, nextHeader: 4, payload: Buffer.from('flip me, any bit') });
    for (let bit = 0; bit < packet.length * 8; bit++) {
      const copy = Buffer.from(packet);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      const r = decapsulate(cipher, copy, 7, true);
      if (r.ok || r.failure !== 'icv') throw new Error(`bit ${bit}: expected an icv failure, got ${JSON.stringify(r)}`);
    }
    expect(decapsulate(cipher, packet, 7, true).ok).toBe(true);
  });

  it('reads payloads and packets given as views at odd offsets inside larger buffers', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 15 }), (payload, offset) => {
      const host = new Uint8Array(offset + payload.length + 7).fill(0xa5);
      host.set(payload, offset);
      const view = host.subarray(offset, offset + payload.length);
      const iv = spec.encryption === 'aes-cbc' ? Buffer.alloc(16, 3) : undefined;
      const packet = encapsulate(cipher, { spi: 1, seqHi: 0, seqLo: 2, esn: false, nextHeader: 41, payload: view, iv });
      expect(packet.toString('hex')).toBe(
        encapsulate(cipher, { spi: 1, seqHi: 0, seqLo: 2, esn: false, nextHeader: 41, payload: Buffer.from(payload), iv }).toString('hex'),
      );
      const wire = new Uint8Array(offset + packet.length + 5).fill(0x5a);
      wire.set(packet, offset);
      const r = decapsulate(cipher, wire.subarray(offset, offset + packet.length), 0, false);
      expect(r.ok && Buffer.from(r.payload).equals(Buffer.from(payload)) && r.nextHeader === 41).toBe(true);
    }), { numRuns: 20 });
  });

  it('never throws on random bytes of any length, and refuses them', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), u32, fc.boolean(), (bytes, seqHi, esn) => {
      expect(decapsulate(cipher, bytes, seqHi, esn).ok).toBe(false);
    }), { numRuns: 60 });
  });
});
