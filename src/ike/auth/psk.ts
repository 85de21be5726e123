// RFC 7296 2.15: shared-key authentication.
//   AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
// The pad is the 17 ASCII characters without a terminating NUL.
import { timingSafeEqual } from 'node:crypto';
import type { AuthCheck } from './failures.js';
import { authFailure } from './failures.js';
import type { PrfFn } from './signed-octets.js';

const KEY_PAD = Buffer.from('Key Pad for IKEv2', 'ascii');

/** The AUTH data (method SHARED_KEY_MIC) for `octets`. */
export function pskAuthData(prf: PrfFn, psk: Buffer, octets: Buffer): Buffer {
  return prf(prf(psk, KEY_PAD), octets);
}

/**
 * Checks a received shared-key AUTH value. The comparison is crypto.timingSafeEqual; a length
 * that differs from the PRF output (known to both sides) is refused before it.
 */
export function verifyPskAuth(prf: PrfFn, psk: Buffer, octets: Buffer, received: Buffer): AuthCheck {
  const expected = pskAuthData(prf, psk, octets);
  if (received.length !== expected.length) {
    return authFailure('psk-mismatch', `AUTH data is ${received.length} octets, the negotiated PRF gives ${expected.length}`);
  }
  if (!timingSafeEqual(received, expected)) return authFailure('psk-mismatch', 'AUTH data does not match the value computed from the configured pre-shared key');
  return { ok: true };
}
