// encapsulate(..., { out }): the packet is written into the caller's send buffer, byte for
// byte what a fresh allocation would hold, and the result is a view of that buffer.
import { describe, expect, it } from 'vitest';
import { createEspCipher } from '../../src/esp/cipher.js';
import { encapsulate } from '../../src/esp/encapsulate.js';

const spec = { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' } as const;
const cipher = createEspCipher(spec, { encryptionKey: Buffer.alloc(20, 3), integrityKey: Buffer.alloc(0) });
const base = { spi: 0x1234, seqHi: 0, esn: false, nextHeader: 4, payload: Buffer.alloc(100, 9) };

describe('encapsulate into a caller-supplied buffer', () => {
  it('writes the same bytes as a fresh packet and returns a view of the buffer', () => {
    const out = Buffer.alloc(400, 0xee);
    const viaOut = encapsulate(cipher, { ...base, seqLo: 7, out });
    const fresh = encapsulate(cipher, { ...base, seqLo: 7 });
    expect(viaOut.equals(fresh)).toBe(true);
    expect(viaOut.buffer).toBe(out.buffer);
    expect(viaOut.byteOffset).toBe(out.byteOffset);
    expect(out[viaOut.length]).toBe(0xee); // nothing written past the packet
  });

  it('refuses a buffer too small for the packet, naming the size it needs', () => {
    // 8 header + 8 IV + (100 + 2 trailer, padded to 4: 104) + 16 ICV = 136 bytes
    expect(() => encapsulate(cipher, { ...base, seqLo: 8, out: Buffer.alloc(135) })).toThrow(/at least 136 bytes/);
    expect(encapsulate(cipher, { ...base, seqLo: 9, out: Buffer.alloc(136) }).length).toBe(136);
  });
});
