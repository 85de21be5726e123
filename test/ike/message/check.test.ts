// The per-exchange payload check (RFC 7296 1.2-1.5, 2.6, 2.16), the notify helpers and the log
// line. Payload lists are written by hand from the exchange diagrams of RFC 7296 section 1.
import { describe, expect, it } from 'vitest';
import { checkPayloads } from '../../../src/ike/message/check.js';
import { describeMessage } from '../../../src/ike/message/describe.js';
import { errorNotifies, findNotify, notifyPayload } from '../../../src/ike/message/notify.js';
import { EXCHANGE, NOTIFY_ERROR, NOTIFY_STATUS } from '../../../src/ike/message/numbers.js';
import type { Payload, PayloadKind } from '../../../src/ike/message/types.js';

const E = Buffer.alloc(0);
const P: Readonly<Record<string, Payload>> = {
  SA: { kind: 'SA', critical: false, proposals: [] },
  KE: { kind: 'KE', critical: false, group: 19, keyData: E },
  No: { kind: 'NONCE', critical: false, nonce: Buffer.alloc(16) },
  IDi: { kind: 'IDi', critical: false, idType: 2, data: E, body: E },
  IDr: { kind: 'IDr', critical: false, idType: 2, data: E, body: E },
  AUTH: { kind: 'AUTH', critical: false, method: 2, data: E },
  CERT: { kind: 'CERT', critical: false, encoding: 4, data: E },
  CERTREQ: { kind: 'CERTREQ', critical: false, encoding: 4, data: E },
  TSi: { kind: 'TSi', critical: false, selectors: [] },
  TSr: { kind: 'TSr', critical: false, selectors: [] },
  D: { kind: 'DELETE', critical: false, protocolId: 3, spiSize: 4, spis: [] },
  CP: { kind: 'CP', critical: false, cfgType: 1, attributes: [] },
  EAP: { kind: 'EAP', critical: false, data: E },
  V: { kind: 'VENDOR', critical: false, vendorId: E },
  SK: { kind: 'SK', critical: false, firstInnerType: 35, offset: 28, body: E },
  UNKN: { kind: 'UNKNOWN', critical: false, type: 200, body: E },
  'N(NATD_S_IP)': notifyPayload(NOTIFY_STATUS.NAT_DETECTION_SOURCE_IP),
  'N(COOKIE)': notifyPayload(NOTIFY_STATUS.COOKIE),
  'N(INVAL_KE)': notifyPayload(NOTIFY_ERROR.INVALID_KE_PAYLOAD, Buffer.from([0, 19])),
  'N(AUTH_FAILED)': notifyPayload(NOTIFY_ERROR.AUTHENTICATION_FAILED),
  'N(REKEY_SA)': notifyPayload(NOTIFY_STATUS.REKEY_SA, E, 3, Buffer.alloc(4)),
};
const list = (names: string): Payload[] => names.split(' ').filter((n) => n !== '').map((n) => P[n]!);

interface Case { readonly exchange: keyof typeof EXCHANGE; readonly response: boolean; readonly phase: 'outer' | 'inner'; readonly payloads: string; readonly shape: string }

const ACCEPTED: readonly Case[] = [
  { exchange: 'IKE_SA_INIT', response: false, phase: 'outer', payloads: 'SA KE No N(NATD_S_IP) V CERTREQ UNKN', shape: 'init' },
  { exchange: 'IKE_SA_INIT', response: false, phase: 'outer', payloads: 'N(COOKIE) SA KE No', shape: 'init' },
  { exchange: 'IKE_SA_INIT', response: true, phase: 'outer', payloads: 'SA KE No CERTREQ CERTREQ N(NATD_S_IP)', shape: 'init' },
  { exchange: 'IKE_SA_INIT', response: true, phase: 'outer', payloads: 'N(COOKIE)', shape: 'error' },
  { exchange: 'IKE_SA_INIT', response: true, phase: 'outer', payloads: 'N(INVAL_KE)', shape: 'error' },
  { exchange: 'IKE_AUTH', response: false, phase: 'outer', payloads: 'SK', shape: 'sealed' },
  { exchange: 'IKE_AUTH', response: false, phase: 'inner', payloads: 'IDi CERT CERT CERTREQ IDr AUTH CP SA TSi TSr', shape: 'auth' },
  { exchange: 'IKE_AUTH', response: false, phase: 'inner', payloads: 'IDi AUTH', shape: 'auth' },
  { exchange: 'IKE_AUTH', response: false, phase: 'inner', payloads: 'IDi SA TSi TSr', shape: 'eap-start' },
  { exchange: 'IKE_AUTH', response: true, phase: 'inner', payloads: 'IDr AUTH SA TSi TSr', shape: 'auth' },
  { exchange: 'IKE_AUTH', response: true, phase: 'inner', payloads: 'IDr AUTH EAP', shape: 'eap-start' },
  { exchange: 'IKE_AUTH', response: true, phase: 'inner', payloads: 'N(AUTH_FAILED)', shape: 'error' },
  { exchange: 'CREATE_CHILD_SA', response: false, phase: 'inner', payloads: 'N(REKEY_SA) SA No KE TSi TSr', shape: 'child' },
  { exchange: 'CREATE_CHILD_SA', response: false, phase: 'inner', payloads: 'SA No KE', shape: 'ike-rekey' },
  { exchange: 'CREATE_CHILD_SA', response: true, phase: 'inner', payloads: 'N(INVAL_KE)', shape: 'error' },
  { exchange: 'INFORMATIONAL', response: false, phase: 'inner', payloads: 'D D N(NATD_S_IP)', shape: 'informational' },
  { exchange: 'INFORMATIONAL', response: true, phase: 'inner', payloads: '', shape: 'informational' },
];

interface Refusal extends Case { readonly missing: PayloadKind[]; readonly notAllowed: PayloadKind[]; readonly duplicated: PayloadKind[] }

const REFUSED: readonly Refusal[] = [
  { exchange: 'IKE_SA_INIT', response: false, phase: 'outer', payloads: 'SA No', shape: 'init', missing: ['KE'], notAllowed: [], duplicated: [] },
  { exchange: 'IKE_SA_INIT', response: false, phase: 'outer', payloads: 'SA KE No IDi', shape: 'init', missing: [], notAllowed: ['IDi'], duplicated: [] },
  { exchange: 'IKE_SA_INIT', response: false, phase: 'outer', payloads: 'SA SA KE No', shape: 'init', missing: [], notAllowed: [], duplicated: ['SA'] },
  { exchange: 'IKE_SA_INIT', response: true, phase: 'outer', payloads: 'N(NATD_S_IP)', shape: 'error', missing: ['NOTIFY'], notAllowed: [], duplicated: [] },
  { exchange: 'IKE_AUTH', response: false, phase: 'outer', payloads: 'IDi AUTH', shape: 'sealed', missing: ['SK'], notAllowed: ['IDi', 'AUTH'], duplicated: [] },
  { exchange: 'IKE_AUTH', response: false, phase: 'inner', payloads: 'IDi AUTH SA TSi', shape: 'auth', missing: ['TSr'], notAllowed: [], duplicated: [] },
  { exchange: 'IKE_AUTH', response: false, phase: 'inner', payloads: 'IDi IDi AUTH', shape: 'auth', missing: [], notAllowed: [], duplicated: ['IDi'] },
  { exchange: 'IKE_AUTH', response: true, phase: 'inner', payloads: 'AUTH KE', shape: 'eap-auth', missing: [], notAllowed: ['KE'], duplicated: [] },
  { exchange: 'CREATE_CHILD_SA', response: false, phase: 'inner', payloads: 'SA TSi TSr', shape: 'child', missing: ['NONCE'], notAllowed: [], duplicated: [] },
  { exchange: 'INFORMATIONAL', response: false, phase: 'inner', payloads: 'SA', shape: 'informational', missing: [], notAllowed: ['SA'], duplicated: [] },
  { exchange: 'IKE_SA_INIT', response: false, phase: 'inner', payloads: 'SA', shape: 'none', missing: [], notAllowed: ['SA'], duplicated: [] },
];

describe('checkPayloads', () => {
  it.each(ACCEPTED)('accepts $exchange (response $response, $phase) carrying [$payloads] as $shape', (c) => {
    expect(checkPayloads(EXCHANGE[c.exchange], c.response, list(c.payloads), c.phase)).toEqual({ ok: true, shape: c.shape });
  });

  it.each(REFUSED)('refuses $exchange (response $response, $phase) carrying [$payloads] with INVALID_SYNTAX', (c) => {
    const r = checkPayloads(EXCHANGE[c.exchange], c.response, list(c.payloads), c.phase);
    expect(r).toMatchObject({ ok: false, shape: c.shape, missing: c.missing, notAllowed: c.notAllowed, duplicated: c.duplicated, notify: NOTIFY_ERROR.INVALID_SYNTAX });
  });

  it('refuses an exchange type it does not know', () => {
    expect(checkPayloads(99, false, list('SA'), 'outer')).toMatchObject({ ok: false, shape: 'unknown-exchange' });
  });
});

describe('notify helpers', () => {
  it('builds a Notify with Protocol ID zero when it carries no SPI (RFC 7296 3.10)', () => {
    expect(notifyPayload(NOTIFY_ERROR.NO_PROPOSAL_CHOSEN, undefined, 3)).toEqual({ kind: 'NOTIFY', critical: false, protocolId: 0, spi: E, notifyType: 14, data: E });
    expect(notifyPayload(NOTIFY_STATUS.REKEY_SA, undefined, 3, Buffer.from('01020304', 'hex'))).toMatchObject({ protocolId: 3, spi: Buffer.from('01020304', 'hex') });
  });

  it('finds the first Notify of a type and lists the error ones (types below 16384)', () => {
    const payloads = list('SA N(COOKIE) N(INVAL_KE) N(AUTH_FAILED) KE');
    expect(findNotify(payloads, NOTIFY_STATUS.COOKIE)).toBe(P['N(COOKIE)']);
    expect(findNotify(payloads, NOTIFY_STATUS.REKEY_SA)).toBeUndefined();
    expect(errorNotifies(payloads).map((n) => n.notifyType)).toEqual([17, 24]);
  });
});

describe('describeMessage', () => {
  const header = { exchangeType: EXCHANGE.IKE_SA_INIT, response: false, messageId: 0 };

  it('writes the strongSwan-style line for an IKE_SA_INIT request', () => {
    const payloads = [...list('SA KE No'), notifyPayload(NOTIFY_STATUS.NAT_DETECTION_SOURCE_IP), notifyPayload(NOTIFY_STATUS.NAT_DETECTION_DESTINATION_IP)];
    expect(describeMessage({ header, payloads })).toBe('IKE_SA_INIT request #0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]');
  });

  it('names sealed, configuration, unknown and unnamed-notify payloads', () => {
    const skf: Payload = { kind: 'SKF', critical: false, firstInnerType: 35, fragmentNumber: 2, totalFragments: 3, offset: 28, body: E };
    expect(describeMessage({ header: { exchangeType: EXCHANGE.IKE_AUTH, response: true, messageId: 1 }, payloads: [skf] })).toBe('IKE_AUTH response #1 [ EF(2/3) ]');
    expect(describeMessage({ header: { exchangeType: 43, response: false, messageId: 7 }, payloads: list('SK') }, [...list('CP D V UNKN EAP'), notifyPayload(40000)]))
      .toBe('exchange-43 request #7 [ CPRQ D V UNKN(200) EAP N(40000) ]');
    expect(describeMessage({ header: { exchangeType: EXCHANGE.INFORMATIONAL, response: true, messageId: 3 }, payloads: [] })).toBe('INFORMATIONAL response #3 [ ]');
  });
});
