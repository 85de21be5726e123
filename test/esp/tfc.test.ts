// Traffic flow confidentiality padding (RFC 4303 2.7): the payload is zero-padded to tfcPadTo
// before the ESP padding, so every packet can have the same size; the receiver gets the
// padded payload back (the inner IP header tells the real length, RFC 4303 2.4).
import { describe, expect, it } from 'vitest';
import { decapsulate } from '../../src/esp/decapsulate.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import type { EspSealParams } from '../../src/esp/encapsulate.js';
import { allSpecs, randomCipher, specName } from './support.js';

describe.each(allSpecs().filter((_, i) => i % 5 === 0).map((s) => [specName(s), s] as const))('%s', (_name, spec) => {
  const cipher = randomCipher(spec);
  const base: EspSealParams = { spi: 7, seqHi: 0, seqLo: 1, esn: false, nextHeader: 4, payload: Buffer.from('0123456789') };

  it('pads the payload with zeros up to tfcPadTo, and the receiver sees the padded payload', () => {
    const packet = encapsulate(cipher, { ...base, tfcPadTo: 100 });
    expect(packet.length).toBe(encapsulate(cipher, { ...base, payload: Buffer.alloc(100) }).length);
    const r = decapsulate(cipher, packet, 0, false);
    expect(r.ok && r.payload.length).toBe(100);
    expect(r.ok && r.payload.toString('latin1')).toBe('0123456789' + '\0'.repeat(90));
  });

  it('gives packets of one size for payloads of any size up to tfcPadTo', () => {
    const sizes = new Set([0, 1, 17, 63, 255, 256].map((n) => encapsulate(cipher, { ...base, payload: Buffer.alloc(n, 1), tfcPadTo: 256 }).length));
    expect(sizes.size).toBe(1);
  });

  it('leaves a payload already longer than tfcPadTo unchanged', () => {
    const r = decapsulate(cipher, encapsulate(cipher, { ...base, tfcPadTo: 4 }), 0, false);
    expect(r.ok && r.payload.toString()).toBe('0123456789');
  });
});
