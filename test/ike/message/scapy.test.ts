// Interop with an independent IKEv2 codec: scapy 2.5's contrib ikev2 module (Debian
// python3-scapy). scapy builds IKE_SA_INIT messages that we must decode to the values it was
// given and re-encode octet for octet; scapy must parse our encodings to the same values.
// The IANA tables scapy carries are also checked against numbers.ts. One python run per mode.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../../src/ike/message/message.js';
import { describeMessage } from '../../../src/ike/message/describe.js';
import { notifyPayload } from '../../../src/ike/message/notify.js';
import { AUTH_METHOD, CERT_ENCODING, CFG_TYPE, DH_GROUP, ENCR, ESN, EXCHANGE, INTEG, NOTIFY_ERROR, NOTIFY_STATUS, PAYLOAD, PRF, TS_TYPE } from '../../../src/ike/message/numbers.js';
import type { Payload } from '../../../src/ike/message/types.js';
import { hasOracle } from '../../support/oracle.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'scapy', 'ike_oracle.py');

function python(args: readonly string[], input?: string): unknown {
  const r = spawnSync('/usr/bin/python3', args, { input, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

interface ScapyPayload { name: string; length: number; type?: number; group?: number; data?: string; proposals?: { num: number; proto: number; transforms: (number | null)[][] }[] }
interface ScapyMessage { exch_type: number; flags: number; id: number; length: number; payloads: ScapyPayload[] }

describe.skipIf(!hasOracle('scapy'))('IKEv2 messages against scapy', () => {
  it('decodes scapy-built IKE_SA_INIT messages to the values scapy was given, and re-encodes them octet for octet', () => {
    const messages = (python([SCRIPT, 'generate']) as string[]).map((x) => Buffer.from(x, 'hex'));
    expect(messages).toHaveLength(3);
    const decoded = messages.map((m) => {
      const r = decodeMessage(m);
      if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
      expect(encodeMessage(r.value.header, r.value.payloads).equals(m)).toBe(true);
      return r.value;
    });
    const [request, response, cookie] = decoded as [typeof decoded[0], typeof decoded[0], typeof decoded[0]];
    expect(describeMessage(request)).toBe('IKE_SA_INIT request #0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) V ]');
    expect(describeMessage(response)).toBe('IKE_SA_INIT response #0 [ SA KE No CERTREQ N(FRAG_SUP) ]');
    expect(describeMessage(cookie)).toBe('IKE_SA_INIT response #0 [ N(COOKIE) ]');
    const sa = request.payloads[0]!;
    expect(sa.kind === 'SA' && sa.proposals.map((p) => [p.number, p.protocolId, p.transforms.map((t) => [t.type, t.id, t.keyLength])])).toEqual([
      [1, 1, [[1, ENCR.AES_CBC, 256], [2, PRF.HMAC_SHA2_256, null], [3, INTEG.HMAC_SHA2_256_128, null], [4, DH_GROUP.ECP_256, null]]],
      [2, 1, [[1, ENCR.AES_GCM_16, 128], [2, PRF.HMAC_SHA2_512, null], [4, DH_GROUP.CURVE25519, null]]],
    ]);
    expect(request.payloads[1]).toMatchObject({ kind: 'KE', group: 19, keyData: Buffer.alloc(64, 0xaa) });
    expect(response.payloads[2]).toMatchObject({ kind: 'NONCE', nonce: Buffer.alloc(48, 0x5b) });
    expect(response.payloads[3]).toMatchObject({ kind: 'CERTREQ', encoding: 4, data: Buffer.alloc(20, 0x77) });
    expect(cookie.payloads[0]).toMatchObject({ kind: 'NOTIFY', notifyType: NOTIFY_STATUS.COOKIE, data: Buffer.alloc(16, 0x42) });
    expect(cookie.header).toMatchObject({ response: true, initiator: false, exchangeType: EXCHANGE.IKE_SA_INIT });
  });

  it('has scapy parse our encodings to the same fields', () => {
    const payloads: Payload[] = [
      { kind: 'SA', critical: false, proposals: [{ number: 1, protocolId: 1, spi: Buffer.alloc(0), transforms: [
        { type: 1, id: ENCR.AES_CBC, keyLength: 128, attributes: [] },
        { type: 2, id: PRF.HMAC_SHA2_384, keyLength: null, attributes: [] },
        { type: 3, id: INTEG.HMAC_SHA2_384_192, keyLength: null, attributes: [] },
        { type: 4, id: DH_GROUP.MODP_2048, keyLength: null, attributes: [] },
      ] }] },
      { kind: 'KE', critical: false, group: DH_GROUP.MODP_2048, keyData: Buffer.alloc(256, 0x11) },
      { kind: 'NONCE', critical: false, nonce: Buffer.alloc(32, 0x22) },
      notifyPayload(NOTIFY_STATUS.NAT_DETECTION_SOURCE_IP, Buffer.alloc(20, 0x33)),
      notifyPayload(NOTIFY_STATUS.SIGNATURE_HASH_ALGORITHMS, Buffer.from('00020003', 'hex')),
    ];
    const header = { initiatorSpi: Buffer.alloc(8, 1), responderSpi: Buffer.alloc(8, 0), nextPayload: 0, exchangeType: EXCHANGE.IKE_SA_INIT, initiator: true, response: false, messageId: 0 };
    const ours = [
      encodeMessage(header, payloads),
      encodeMessage({ ...header, response: true, initiator: false }, [notifyPayload(NOTIFY_ERROR.INVALID_KE_PAYLOAD, Buffer.from('0013', 'hex'))]),
    ];
    const [init, invalidKe] = python([SCRIPT, 'parse'], JSON.stringify(ours.map((b) => b.toString('hex')))) as [ScapyMessage, ScapyMessage];
    expect({ exch: init.exch_type, flags: init.flags, id: init.id, length: init.length }).toEqual({ exch: 34, flags: 0x08, id: 0, length: ours[0]!.length });
    expect(init.payloads.map((p) => [p.name, p.length])).toEqual([
      ['IKEv2 SA', 4 + 8 + 12 + 8 + 8 + 8], ['IKEv2 Key Exchange', 8 + 256], ['IKEv2 Nonce', 36], ['IKEv2 Notify', 28], ['IKEv2 Notify', 12],
    ]);
    expect(init.payloads[0]!.proposals).toEqual([{ num: 1, proto: 1, transforms: [[1, 12, 128], [2, 6, null], [3, 13, null], [4, 14, null]] }]);
    expect(init.payloads[1]).toMatchObject({ group: 14, data: '11'.repeat(256) });
    expect(init.payloads[3]).toMatchObject({ type: 16388, data: '33'.repeat(20) });
    expect(invalidKe.flags).toBe(0x20);
    expect(invalidKe.payloads).toEqual([{ name: 'IKEv2 Notify', length: 10, type: 17, data: '0013' }]);
  });

  it('agrees with the IANA tables scapy carries on every number in numbers.ts', () => {
    const t = python([SCRIPT, 'numbers']) as {
      notify: Record<string, number>; transforms: Record<string, Record<string, number>>; auth: Record<string, string>;
      cert: Record<string, string>; ts: Record<string, number>; cfg: Record<string, number>; payload: Record<string, number>; exchange: Record<string, number>;
    };
      for (const [name, n] of Object.entries({ ...NOTIFY_ERROR, ...NOTIFY_STATUS })) expect([name, t.notify[name]]).toEqual([name, n]);
    expect(ENCR).toEqual({ AES_CBC: t.transforms.Encryption!['AES-CBC'], AES_CTR: t.transforms.Encryption!['AES-CTR'], AES_GCM_8: t.transforms.Encryption!['AES-GCM-8ICV'],
      AES_GCM_12: t.transforms.Encryption!['AES-GCM-12ICV'], AES_GCM_16: t.transforms.Encryption!['AES-GCM-16ICV'], CHACHA20_POLY1305: t.transforms.Encryption!['ChaCha20-Poly1305'] });
    expect(PRF).toEqual({ HMAC_SHA2_256: t.transforms.PRF!.PRF_HMAC_SHA2_256, HMAC_SHA2_384: t.transforms.PRF!.PRF_HMAC_SHA2_384, HMAC_SHA2_512: t.transforms.PRF!.PRF_HMAC_SHA2_512 });
    expect(INTEG).toEqual({ NONE: 0, HMAC_SHA2_256_128: t.transforms.Integrity!['SHA2-256-128'], HMAC_SHA2_384_192: t.transforms.Integrity!['SHA2-384-192'], HMAC_SHA2_512_256: t.transforms.Integrity!['SHA2-512-256'] });
    const g = t.transforms.GroupDesc!;
    expect(DH_GROUP).toEqual({ MODP_2048: g['2048MODPgr'], ECP_256: g['256randECPgr'], ECP_384: g['384randECPgr'], ECP_521: g['521randECPgr'], CURVE25519: g.curve25519gr, CURVE448: g.curve448gr });
    expect(ESN).toEqual({ NO: t.transforms['Extended Sequence Number']!['No ESN'], YES: t.transforms['Extended Sequence Number']!.ESN });
    expect(Object.values(AUTH_METHOD).map((n) => t.auth[String(n)])).toEqual([
      'RSA Digital Signature', 'Shared Key Message Integrity Code', 'DSS Digital Signature', 'ECDSA with SHA-256 on the P-256 curve',
      'ECDSA with SHA-384 on the P-384 curve', 'ECDSA with SHA-512 on the P-521 curve', 'Digital Signature',
    ]);
    expect(t.cert[String(CERT_ENCODING.X509_SIGNATURE)]).toBe('X.509 Certificate - Signature');
    expect(TS_TYPE).toEqual({ TS_IPV4_ADDR_RANGE: t.ts.TS_IPV4_ADDR_RANGE, TS_IPV6_ADDR_RANGE: t.ts.TS_IPV6_ADDR_RANGE });
    expect(CFG_TYPE).toEqual(t.cfg);
    expect(EXCHANGE).toEqual({ IKE_SA_INIT: t.exchange.IKE_SA_INIT, IKE_AUTH: t.exchange.IKE_AUTH, CREATE_CHILD_SA: t.exchange.CREATE_CHILD_SA, INFORMATIONAL: t.exchange.INFORMATIONAL });
    const p = t.payload;
    expect(PAYLOAD).toEqual({ NONE: p.None, SA: p.SA, KE: p.KE, IDi: p.IDi, IDr: p.IDr, CERT: p.CERT, CERTREQ: p.CERTREQ, AUTH: p.AUTH, NONCE: p.Nonce,
      NOTIFY: p.Notify, DELETE: p.Delete, VENDOR: p.VendorID, TSi: p.TSi, TSr: p.TSr, SK: p.Encrypted, CP: p.CP, EAP: p.EAP, SKF: p.Encrypted_Fragment });
  });
});
