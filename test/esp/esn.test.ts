// Extended sequence numbers (RFC 4303 2.2.1, appendix A): the high 32 bits are never sent, but
// they are authenticated (appended for the ICV with separate integrity, RFC 4303 3.3.2.1; in
// the AAD for combined modes, RFC 4106 5, RFC 4543 3, RFC 7634 2.1). So a packet sealed with
// seq-hi 5 opens only with ESN and seq-hi 5.
import { describe, expect, it } from 'vitest';
import { decapsulate } from '../../src/esp/decapsulate.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import { allSpecs, randomCipher, specName } from './support.js';

describe.each(allSpecs().map((s) => [specName(s), s] as const))('%s', (_name, spec) => {
  const cipher = randomCipher(spec);
  const payload = Buffer.from('inner packet carried with an extended sequence number');
  const sealed = encapsulate(cipher, { spi: 0xc0ffee, seqHi: 5, seqLo: 0xfffffff0, esn: true, nextHeader: 4, payload });

  it('opens with ESN and the right seq-hi (5)', () => {
    expect(decapsulate(cipher, sealed, 5, true)).toMatchObject({ ok: true, nextHeader: 4, payload });
  });

  it('fails the ICV without ESN, or with seq-hi 4, 6 or 0', () => {
    for (const [seqHi, esn] of [[5, false], [0, false], [4, true], [6, true], [0, true]] as const) {
      expect(decapsulate(cipher, sealed, seqHi, esn)).toMatchObject({ ok: false, failure: 'icv' });
    }
  });

  it('sends only the low 32 bits: same length as without ESN, seq-lo in the header, seq-hi nowhere but the IV', () => {
    const plain = encapsulate(cipher, { spi: 0xc0ffee, seqHi: 0, seqLo: 0xfffffff0, esn: false, nextHeader: 4, payload });
    expect(sealed.length).toBe(plain.length);
    expect(sealed.readUInt32BE(4)).toBe(0xfffffff0);
    if (spec.encryption !== 'aes-cbc' && spec.encryption !== 'null') expect(sealed.subarray(8, 16).toString('hex')).toBe('00000005fffffff0');
  });

  it('does not open a packet sealed without ESN as an ESN packet, even with seq-hi 0', () => {
    const plain = encapsulate(cipher, { spi: 1, seqHi: 0, seqLo: 1, esn: false, nextHeader: 4, payload });
    expect(decapsulate(cipher, plain, 0, true)).toMatchObject({ ok: false, failure: 'icv' });
    expect(decapsulate(cipher, plain, 0, false).ok).toBe(true);
  });
});
