// Combined-mode transforms against published ESP packets: every case of
// draft-mcgrew-gcm-test-01 section 4 (AES-GCM 128/192/256, with and without ESN, and the
// AES-GMAC case) and RFC 7634 Appendix A (ChaCha20-Poly1305). Each vector is checked both
// ways: encapsulate with the vector's IV must give the vector's packet byte for byte, and
// decapsulate must recover the vector's payload, padding and next header.
import { describe, expect, it } from 'vitest';
import { createEspCipher } from '../../src/esp/cipher.js';
import { decapsulate } from '../../src/esp/decapsulate.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import type { McgrewCase } from '../vectors/esp/draft-mcgrew-gcm-test-01.js';
import { MCGREW_CASES } from '../vectors/esp/draft-mcgrew-gcm-test-01.js';
import { RFC7634_ESP_EXAMPLE } from '../vectors/esp/rfc7634-appendix-a.js';
import { hx } from './support.js';

/** Splits a plaintext (payload || padding || pad length || next header) as RFC 4303 2.4 lays it out. */
function splitTrailer(plaintext: Buffer): { payload: Buffer; padLength: number; nextHeader: number } {
  const padLength = plaintext[plaintext.length - 2]!;
  return { payload: plaintext.subarray(0, plaintext.length - 2 - padLength), padLength, nextHeader: plaintext[plaintext.length - 1]! };
}

function mcgrewSetup(v: McgrewCase) {
  const key = hx(v.key);
  const nonce = hx(v.nonce);
  const seq = hx(v.seq);
  const esn = seq.length === 8; // the draft: 8 octets = ESN (high || low)
  const seqHi = esn ? seq.readUInt32BE(0) : 0;
  const seqLo = seq.readUInt32BE(esn ? 4 : 0);
  const gmac = v.algorithm === 'AES-GMAC-ESP';
  const cipher = createEspCipher(
    gmac ? { encryption: 'aes-gmac', keyBits: (key.length * 8) as 128, integrity: 'none' }
      : { encryption: 'aes-gcm', keyBits: (key.length * 8) as 128, icvLength: 16, integrity: 'none' },
    { encryptionKey: Buffer.concat([key, nonce.subarray(0, 4)]), integrityKey: Buffer.alloc(0) },
  );
  // For GMAC the ESP plaintext is the part of the AAD after SPI || seq || IV (draft section 3).
  const plaintext = gmac ? hx(v.aad).subarray(4 + seq.length + 8) : hx(v.plaintext);
  return { cipher, esn, seqHi, seqLo, iv: nonce.subarray(4), plaintext, packet: hx(v.packet) };
}

describe('draft-mcgrew-gcm-test-01 section 4 ESP packets', () => {
  it('has 17 cases transcribed, each internally consistent (nonce IV is the packet IV, AAD starts with SPI || seq)', () => {
    expect(MCGREW_CASES).toHaveLength(17);
    for (const v of MCGREW_CASES) {
      const packet = hx(v.packet);
      expect(packet.subarray(8, 16).toString('hex')).toBe(hx(v.nonce).subarray(4).toString('hex'));
      expect(hx(v.aad).subarray(0, 4 + hx(v.seq).length).toString('hex')).toBe(hx(v.spi + v.seq).toString('hex'));
    }
  });

  for (const v of MCGREW_CASES) {
    const name = `${v.algorithm} (page ${v.page}, key ${hx(v.key).length * 8} bits, SPI ${v.spi}, seq ${v.seq})`;

    it(`${name}: encapsulate with the vector's IV produces the vector's packet`, () => {
      const s = mcgrewSetup(v);
      const { payload, nextHeader } = splitTrailer(s.plaintext);
      const out = encapsulate(s.cipher, {
        spi: parseInt(v.spi, 16), seqHi: s.seqHi, seqLo: s.seqLo, esn: s.esn, nextHeader, payload, iv: s.iv,
      });
      expect(out.toString('hex')).toBe(s.packet.toString('hex'));
    });

    it(`${name}: decapsulate recovers the vector's payload, pad length and next header`, () => {
      const s = mcgrewSetup(v);
      const expected = splitTrailer(s.plaintext);
      const r = decapsulate(s.cipher, s.packet, s.seqHi, s.esn);
      expect(r).toEqual({ ok: true, ...expected });
    });
  }
});

describe('RFC 7634 Appendix A ESP example (ChaCha20-Poly1305)', () => {
  const v = RFC7634_ESP_EXAMPLE;
  const cipher = () => createEspCipher({ encryption: 'chacha20-poly1305', integrity: 'none' },
    { encryptionKey: hx(v.keymat), integrityKey: Buffer.alloc(0) });
  const packet = Buffer.concat([hx('01020304 00000005'), hx(v.iv), hx(v.ciphertext), hx(v.tag)]);
  const trailer = splitTrailer(hx(v.plaintext));

  it('encapsulates the ICMP packet to the RFC ciphertext and tag', () => {
    const out = encapsulate(cipher(), {
      spi: v.spi, seqHi: 0, seqLo: v.seq, esn: false, nextHeader: trailer.nextHeader, payload: trailer.payload, iv: hx(v.iv),
    });
    expect(out.toString('hex')).toBe(packet.toString('hex'));
  });

  it('decapsulates the RFC packet to the 84-byte ICMP packet, pad length 2, next header 4', () => {
    const r = decapsulate(cipher(), packet, 0, false);
    expect(r).toEqual({ ok: true, ...trailer });
    expect(trailer.payload).toHaveLength(84);
    expect(trailer.nextHeader).toBe(4);
  });
});
