// Authenticator test vectors for the ESP HMACs, checked through our truncation:
// RFC 4868 section 2.7.2 (AUTH256-1..4, AUTH384-1, AUTH512-1..2; key length = output length)
// and, for HMAC-SHA1-96 (RFC 2404, which defers to RFC 2202 for test cases), the RFC 2202
// section 3 cases whose key is the 20 bytes RFC 2404 requires (cases 1, 3 and 5).
import type { HmacAlgorithm } from '../../../src/esp/transforms/integrity.js';

export interface HmacVector {
  readonly source: string;
  readonly algorithm: HmacAlgorithm;
  /** Hex key; `data` is hex too. */
  readonly key: string;
  readonly data: string;
  /** The truncated authenticator the RFC prints (RFC 2202: the leading 96 bits of its digest). */
  readonly icv: string;
}

const hex = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const rep = (byte: string, n: number): string => byte.repeat(n);

export const HMAC_VECTORS: readonly HmacVector[] = [
  { source: 'RFC 4868 2.7.2.1 AUTH256-1', algorithm: 'hmac-sha256-128', key: rep('0b', 32), data: hex('Hi There'),
    icv: '198a607eb44bfbc69903a0f1cf2bbdc5' },
  { source: 'RFC 4868 2.7.2.1 AUTH256-2', algorithm: 'hmac-sha256-128', key: hex('JefeJefeJefeJefeJefeJefeJefeJefe'),
    data: hex('what do ya want for nothing?'), icv: '167f928588c5cc2eef8e3093caa0e87c' },
  { source: 'RFC 4868 2.7.2.1 AUTH256-3', algorithm: 'hmac-sha256-128', key: rep('aa', 32), data: rep('dd', 50),
    icv: 'cdcb1220d1ecccea91e53aba3092f962' },
  { source: 'RFC 4868 2.7.2.1 AUTH256-4', algorithm: 'hmac-sha256-128',
    key: '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20', data: rep('cd', 50),
    icv: '372efcf9b40b35c2115b1346903d2ef4' },
  { source: 'RFC 4868 2.7.2.2 AUTH384-1', algorithm: 'hmac-sha384-192', key: rep('0b', 48), data: hex('Hi There'),
    icv: 'b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973' },
  { source: 'RFC 4868 2.7.2.3 AUTH512-1', algorithm: 'hmac-sha512-256', key: rep('0b', 64), data: hex('Hi There'),
    icv: '637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8' },
  { source: 'RFC 4868 2.7.2.3 AUTH512-2', algorithm: 'hmac-sha512-256', key: hex('Jefe'.repeat(16)),
    data: hex('what do ya want for nothing?'), icv: 'cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454' },
  { source: 'RFC 2202 3 test case 1', algorithm: 'hmac-sha1-96', key: rep('0b', 20), data: hex('Hi There'),
    icv: 'b617318655057264e28bc0b6' },
  { source: 'RFC 2202 3 test case 3', algorithm: 'hmac-sha1-96', key: rep('aa', 20), data: rep('dd', 50),
    icv: '125d7342b9ac11cd91a39af4' },
  { source: 'RFC 2202 3 test case 5', algorithm: 'hmac-sha1-96', key: rep('0c', 20), data: hex('Test With Truncation'),
    icv: '4c1a03424b55e07fe7f27be1' },
];
