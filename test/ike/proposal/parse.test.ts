// strongSwan proposal keywords. Expected numbers are the IANA "IKEv2 Transform Type 1..5"
// registries (the values strongSwan's proposal_keywords_static.txt maps each keyword to);
// payload.test.ts checks the same numbers against scapy's tables.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProposalList, parseProposalText } from '../../../src/ike/proposal/parse.js';
import type { ProposalSpec } from '../../../src/ike/proposal/parse.js';

// IANA values, written out here rather than imported.
const AES_CBC = 12, AES_GCM_8 = 18, AES_GCM_12 = 19, AES_GCM_16 = 20, CHACHA20_POLY1305 = 28;
const PRF_SHA256 = 5, PRF_SHA384 = 6, PRF_SHA512 = 7;
const HMAC_SHA256_128 = 12, HMAC_SHA384_192 = 13, HMAC_SHA512_256 = 14;
const MODP2048 = 14, ECP256 = 19, ECP384 = 20, ECP521 = 21, X25519 = 31, X448 = 32;

function ok(text: string, kind: 'ike' | 'esp'): ProposalSpec {
  const r = parseProposalText(text, kind);
  if (!r.ok) throw new Error(`expected '${text}' to parse: ${r.message}`);
  return r.spec;
}

function message(text: string, kind: 'ike' | 'esp'): string {
  const r = parseProposalText(text, kind);
  if (r.ok) throw new Error(`expected '${text}' to be refused, got ${r.spec.text}`);
  return r.message;
}

describe('IKE proposals in strongSwan keywords', () => {
  it('reads an AEAD with an explicit PRF and X25519', () => {
    const s = ok('aes128gcm16-prfsha256-x25519', 'ike');
    expect(s).toMatchObject({ kind: 'ike', encr: [{ id: AES_GCM_16, keyBits: 128 }], integ: [], prf: [PRF_SHA256], dh: [X25519], esn: [] });
  });

  it('takes sha256 after a CBC cipher as both the integrity algorithm and the PRF', () => {
    const s = ok('aes256-sha256-modp2048', 'ike');
    expect(s).toMatchObject({ encr: [{ id: AES_CBC, keyBits: 256 }], integ: [HMAC_SHA256_128], prf: [PRF_SHA256], dh: [MODP2048] });
    expect(s.text).toBe('aes256-sha256-prfsha256-modp2048');
  });

  it('reads aes192-sha384-ecp521 with the SHA-384 PRF', () => {
    expect(ok('aes192-sha384-ecp521', 'ike')).toMatchObject({ encr: [{ id: AES_CBC, keyBits: 192 }], integ: [HMAC_SHA384_192], prf: [PRF_SHA384], dh: [ECP521] });
  });

  it('reads aes128-sha256-ecp256', () => {
    expect(ok('aes128-sha256-ecp256', 'ike')).toMatchObject({ encr: [{ id: AES_CBC, keyBits: 128 }], integ: [HMAC_SHA256_128], prf: [PRF_SHA256], dh: [ECP256] });
  });

  it('reads chacha20poly1305 with prfsha512 and curve448 (a 256-bit key, no integrity)', () => {
    expect(ok('chacha20poly1305-prfsha512-curve448', 'ike')).toMatchObject({
      encr: [{ id: CHACHA20_POLY1305, keyBits: 256 }], integ: [], prf: [PRF_SHA512], dh: [X448],
    });
  });

  it('reads sha384 next to an AEAD as the PRF only, as strongSwan documents', () => {
    const s = ok('aes256gcm16-sha384-ecp384', 'ike');
    expect(s).toMatchObject({ encr: [{ id: AES_GCM_16, keyBits: 256 }], integ: [], prf: [PRF_SHA384], dh: [ECP384] });
    expect(s.text).toBe('aes256gcm16-prfsha384-ecp384');
  });

  it('keeps several algorithms of one kind in the written order, whatever the kinds are interleaved with', () => {
    const a = ok('aes256gcm16-aes128gcm16-prfsha384-prfsha256-ecp521-x25519', 'ike');
    const b = ok('aes256gcm16-prfsha384-ecp521-aes128gcm16-prfsha256-x25519', 'ike');
    expect(a.encr).toEqual([{ id: AES_GCM_16, keyBits: 256 }, { id: AES_GCM_16, keyBits: 128 }]);
    expect(a.prf).toEqual([PRF_SHA384, PRF_SHA256]);
    expect(a.dh).toEqual([ECP521, X25519]);
    expect(b).toEqual(a);
  });

  it('derives one PRF per integrity keyword when no prf keyword is given', () => {
    expect(ok('aes128-sha512-sha256-ecp256', 'ike')).toMatchObject({ integ: [HMAC_SHA512_256, HMAC_SHA256_128], prf: [PRF_SHA512, PRF_SHA256] });
  });

  it('accepts the ICV-in-bits spellings gcm64, gcm96, gcm128 and the curve25519 spelling', () => {
    expect(ok('aes128gcm64-aes192gcm96-aes256gcm128-prfsha256-curve25519', 'ike')).toMatchObject({
      encr: [{ id: AES_GCM_8, keyBits: 128 }, { id: AES_GCM_12, keyBits: 192 }, { id: AES_GCM_16, keyBits: 256 }], dh: [X25519],
    });
  });

  it('ignores case and surrounding spaces, and a repeated keyword', () => {
    expect(ok('  AES128GCM16-PRFSHA256-x25519-x25519 ', 'ike').text).toBe('aes128gcm16-prfsha256-x25519');
  });

  it('refuses an IKE proposal without a key exchange method', () => {
    expect(message('aes128gcm16-prfsha256', 'ike')).toMatch(/no key exchange method.*modp2048/);
  });

  it('refuses an IKE AEAD proposal without any PRF', () => {
    expect(message('aes128gcm16-x25519', 'ike')).toMatch(/no PRF.*prfsha256/);
  });

  it('refuses a CBC cipher without integrity', () => {
    expect(message('aes128-prfsha256-x25519', 'ike')).toMatch(/aes128 .*does not protect integrity/);
  });

  it('refuses AEAD and CBC ciphers in one proposal, citing RFC 7296 3.3', () => {
    expect(message('aes128gcm16-aes128-sha256-x25519', 'ike')).toMatch(/mixes AEAD \(aes128gcm16\) and non-AEAD \(aes128\).*RFC 7296 3\.3/);
  });

  it('refuses esn in an IKE proposal', () => {
    expect(message('aes128gcm16-prfsha256-x25519-esn', 'ike')).toMatch(/'esn'.*only ESP/);
  });
});

describe('ESP proposals in strongSwan keywords', () => {
  it('reads an AEAD with a PFS group and ESN', () => {
    expect(ok('aes128gcm16-x25519-esn', 'esp')).toMatchObject({
      kind: 'esp', encr: [{ id: AES_GCM_16, keyBits: 128 }], integ: [], prf: [], dh: [X25519], esn: [true],
    });
  });

  it('reads CBC with sha512 and noesn', () => {
    expect(ok('aes256-sha512-noesn', 'esp')).toMatchObject({ encr: [{ id: AES_CBC, keyBits: 256 }], integ: [HMAC_SHA512_256], prf: [], dh: [], esn: [false] });
  });

  it('reads a bare AEAD as no PFS and, as strongSwan does, noesn', () => {
    const s = ok('aes128gcm16', 'esp');
    expect(s).toMatchObject({ dh: [], esn: [false] });
    expect(s.text).toBe('aes128gcm16-noesn');
  });

  it('accepts both ESN modes, in the written order', () => {
    expect(ok('aes128gcm16-noesn-esn', 'esp').esn).toEqual([false, true]);
  });

  it('refuses an AEAD with an integrity algorithm', () => {
    expect(message('aes128gcm16-sha256', 'esp')).toMatch(/AEAD aes128gcm16 with integrity sha256/);
  });

  it('refuses a prf keyword, which ESP does not have', () => {
    expect(message('aes128gcm16-prfsha256', 'esp')).toMatch(/'prfsha256'.*PRF, which only IKE proposals have/);
  });

  it('refuses CBC without integrity', () => {
    expect(message('aes256-modp2048', 'esp')).toMatch(/does not protect integrity/);
  });

  it('refuses a proposal without encryption', () => {
    expect(message('sha256-esn', 'esp')).toMatch(/no encryption algorithm/);
  });
});

describe('proposal text errors', () => {
  it('names the unknown keyword, suggests the nearest one and lists the valid ones', () => {
    const m = message('aes129-sha256-modp2048', 'ike');
    expect(m).toMatch(/unknown algorithm 'aes129'/);
    expect(m).toMatch(/did you mean 'aes128'\?/);
    expect(m).toMatch(/valid keywords are encryption: aes128, aes192, aes256, aes128gcm16/);
  });

  it('suggests a keyword of the right kind only (no esn for IKE, no prf for ESP)', () => {
    expect(message('aes128gcm16-prfsha256-x25519-esm', 'ike')).not.toMatch(/did you mean 'esn'/);
    expect(message('aes128gcm16-prfsha265', 'esp')).not.toMatch(/did you mean 'prfsha256'/);
    expect(message('aes128gcm16-prfsha265-x25519', 'ike')).toMatch(/did you mean 'prfsha256'/);
  });

  it.each(['', '   ', '-', 'aes128gcm16--x25519', 'aes128gcm16-x25519-'])('refuses the malformed text %j', (text) => {
    expect(message(text, 'esp')).toMatch(/empty/);
  });

  it('names the failing proposal of a list', () => {
    const r = parseProposalList(['aes128gcm16-prfsha256-x25519', 'aes256-sha256'], 'ike');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^proposal 2: .*no key exchange/);
  });

  it('parses a list in preference order', () => {
    const r = parseProposalList(['aes256gcm16-prfsha384-ecp384', 'aes128-sha256-modp2048'], 'ike');
    expect(r.ok && r.specs.map((s) => s.text)).toEqual(['aes256gcm16-prfsha384-ecp384', 'aes128-sha256-prfsha256-modp2048']);
  });

  it('refuses an empty list', () => {
    expect(parseProposalList([], 'esp').ok).toBe(false);
  });

  it('throws a TypeError when called with a non-string (API misuse, not input)', () => {
    expect(() => parseProposalText(42 as unknown as string, 'ike')).toThrow(TypeError);
    expect(() => parseProposalText('aes128gcm16', 'ah' as 'esp')).toThrow(TypeError);
  });
});

const KEYWORDS = [
  'aes128', 'aes192', 'aes256', 'aes128gcm16', 'aes256gcm12', 'aes192gcm8', 'aes128gcm128', 'chacha20poly1305',
  'sha256', 'sha384', 'sha512', 'prfsha256', 'prfsha384', 'prfsha512',
  'modp2048', 'ecp256', 'ecp384', 'ecp521', 'x25519', 'curve448', 'esn', 'noesn',
];

describe('proposal text properties', () => {
  it('never throws on any dash-joined mix of keywords and junk, and its canonical text parses to the same spec', () => {
    const word = fc.oneof(fc.constantFrom(...KEYWORDS), fc.string({ maxLength: 6 }));
    fc.assert(fc.property(fc.array(word, { minLength: 1, maxLength: 7 }), fc.constantFrom('ike' as const, 'esp' as const), (words, kind) => {
      const r = parseProposalText(words.join('-'), kind);
      if (!r.ok) {
        expect(r.message.length).toBeGreaterThan(0);
        return;
      }
      const again = parseProposalText(r.spec.text, kind);
      expect(again.ok && again.spec).toEqual(r.spec);
    }), { numRuns: 3000 });
  });
});
