import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pskAuthData, verifyPskAuth } from '../../../src/ike/auth/psk.js';
import type { PrfFn } from '../../../src/ike/auth/signed-octets.js';
import { signedOctets } from '../../../src/ike/auth/signed-octets.js';

const hmacPrf = (hash: string): PrfFn => (key, data) => createHmac(hash, key).update(data).digest();

/** RFC 7296 2.15 computed by Python's hmac module, an implementation we did not write. */
function pythonPskAuth(hash: string, psk: Buffer, octets: Buffer): string {
  const script = [
    'import hmac, hashlib, sys',
    'psk, octets = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])',
    `k = hmac.new(psk, b"Key Pad for IKEv2", hashlib.${hash}).digest()`,
    `print(hmac.new(k, octets, hashlib.${hash}).hexdigest())`,
  ].join('\n');
  return execFileSync('/usr/bin/python3', ['-c', script, psk.toString('hex'), octets.toString('hex')], { encoding: 'utf8' }).trim();
}

function pythonHmac(hash: string, key: Buffer, data: Buffer): string {
  const script = `import hmac, hashlib, sys; print(hmac.new(bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2]), hashlib.${hash}).hexdigest())`;
  return execFileSync('/usr/bin/python3', ['-c', script, key.toString('hex'), data.toString('hex')], { encoding: 'utf8' }).trim();
}

const octets = Buffer.concat([Buffer.alloc(300, 0x11), Buffer.from('nonce'), Buffer.alloc(32, 0x22)]);

describe('pskAuthData (RFC 7296 2.15)', () => {
  it.each(['sha256', 'sha384', 'sha512'])('equals prf(prf(PSK, "Key Pad for IKEv2"), octets) as Python computes it with HMAC-%s', (hash) => {
    const psk = Buffer.from('this is a pre-shared secret');
    expect(pskAuthData(hmacPrf(hash), psk, octets).toString('hex')).toBe(pythonPskAuth(hash, psk, octets));
  });

  it('accepts the value the peer computed with the same key and refuses one from another key', () => {
    const prf = hmacPrf('sha256');
    const auth = pskAuthData(prf, Buffer.from('secret'), octets);
    expect(verifyPskAuth(prf, Buffer.from('secret'), octets, auth)).toEqual({ ok: true });
    const wrong = verifyPskAuth(prf, Buffer.from('Secret'), octets, auth);
    expect(wrong).toMatchObject({ ok: false, reason: 'psk-mismatch', winerror: 13801, winerrorName: 'ERROR_IPSEC_IKE_AUTH_FAIL', notify: 24 });
    if (!wrong.ok) expect(wrong.advice).toContain('pre-shared key differs');
  });

  it('refuses AUTH data of the wrong length without comparing', () => {
    const prf = hmacPrf('sha256');
    const auth = pskAuthData(prf, Buffer.from('secret'), octets);
    const r = verifyPskAuth(prf, Buffer.from('secret'), octets, auth.subarray(0, 31));
    expect(r).toMatchObject({ ok: false, reason: 'psk-mismatch' });
    if (!r.ok) expect(r.detail).toContain('31 octets');
    expect(verifyPskAuth(prf, Buffer.from('secret'), octets, Buffer.alloc(0)).ok).toBe(false);
  });

  it('refuses any single flipped bit and any hostile AUTH data', () => {
    const prf = hmacPrf('sha256');
    const auth = pskAuthData(prf, Buffer.from('secret'), octets);
    fc.assert(fc.property(fc.nat(auth.length * 8 - 1), (bit) => {
      const copy = Buffer.from(auth);
      copy[bit >> 3] ^= 1 << (bit & 7);
      expect(verifyPskAuth(prf, Buffer.from('secret'), octets, copy).ok).toBe(false);
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (data) => {
      expect(verifyPskAuth(prf, Buffer.from('secret'), octets, Buffer.from(data)).ok).toBe(false);
    }));
  });
});

describe('signedOctets (RFC 7296 2.15)', () => {
  it('is the first message, the peer nonce and prf(SK_p, ID body), with the MAC from Python', () => {
    const firstMessage = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const peerNonce = Buffer.alloc(32, 0x5a);
    const skP = Buffer.alloc(32, 0x01);
    const idBody = Buffer.from('02000000' + Buffer.from('moon.example').toString('hex'), 'hex');
    const out = signedOctets({ firstMessage, peerNonce, prf: hmacPrf('sha256'), skP, idBody });
    expect(out.subarray(0, 16)).toEqual(firstMessage);
    expect(out.subarray(16, 48)).toEqual(peerNonce);
    expect(out.subarray(48).toString('hex')).toBe(pythonHmac('sha256', skP, idBody));
    expect(out.length).toBe(16 + 32 + 32);
  });
});
