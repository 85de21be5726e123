import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuthFailureReason } from '../../../src/ike/auth/failures.js';
import { AUTH_FAILURES, authFailure, describeAuthFailure } from '../../../src/ike/auth/failures.js';
import { winErrorByCode } from '../../../src/verdict/winerror-catalog.js';

// winerror.h codes and names as the shared data file lists them (authoritative for this project).
const TSV = new Map(
  readFileSync('/work/shared/data/winerror-ipsec.tsv', 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'))
    .map(([code, , name]) => [Number(code), name!] as const),
);

const reasons = Object.keys(AUTH_FAILURES) as AuthFailureReason[];

describe('auth failures', () => {
  it.each(reasons)('%s carries a Windows code and name that winerror.h pairs', (reason) => {
    const spec = AUTH_FAILURES[reason];
    expect(TSV.get(spec.winerror)).toBe(spec.winerrorName);
    expect(winErrorByCode(spec.winerror)?.name).toBe(spec.winerrorName);
  });

  it.each([
    ['psk-mismatch', 13801, 'ERROR_IPSEC_IKE_AUTH_FAIL'],
    ['bad-signature', 13826, 'ERROR_IPSEC_IKE_INVALID_SIGNATURE'],
    ['no-peer-certificate', 13847, 'ERROR_IPSEC_IKE_NO_PEER_CERT'],
    ['unsupported-id-type', 13869, 'ERROR_IPSEC_IKE_UNSUPPORTED_ID'],
    ['untrusted-chain', 13887, 'ERROR_IPSEC_IKE_CERT_CHAIN_POLICY_MISMATCH'],
    ['certificate-signature-invalid', 13875, 'ERROR_IPSEC_IKE_INVALID_SIG'],
  ] as const)('maps %s to %d %s', (reason, code, name) => {
    expect(authFailure(reason, 'x')).toMatchObject({ ok: false, reason, winerror: code, winerrorName: name });
  });

  it('answers every failure with AUTHENTICATION_FAILED (RFC 7296 2.21.2) and says what to do in a sentence', () => {
    for (const reason of reasons) {
      const f = authFailure(reason, 'detail');
      expect(f.notify).toBe(24);
      expect(f.advice.length).toBeGreaterThan(40);
      expect(describeAuthFailure(f)).toBe(`${f.winerror} ${f.winerrorName} ${reason}: ${f.advice} (detail)`);
    }
    expect(AUTH_FAILURES['psk-mismatch'].advice).toBe('the pre-shared key differs between the peers, or the identities select different keys');
  });
});
