// A message in one line for logs, the way strongSwan writes it (its payload.c and
// notify_payload.c short names): "IKE_SA_INIT request #0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]".
// Names and numbers only: never key material, nonces or identities.
import { CFG_TYPE, EXCHANGE, NOTIFY_ERROR, NOTIFY_STATUS } from './numbers.js';
import type { IkeHeader, Payload, PayloadKind } from './types.js';

const KIND_NAMES: Readonly<Record<Exclude<PayloadKind, 'NOTIFY' | 'CP' | 'SKF' | 'UNKNOWN'>, string>> = {
  SA: 'SA', KE: 'KE', IDi: 'IDi', IDr: 'IDr', CERT: 'CERT', CERTREQ: 'CERTREQ', AUTH: 'AUTH', NONCE: 'No',
  DELETE: 'D', VENDOR: 'V', TSi: 'TSi', TSr: 'TSr', SK: 'E', EAP: 'EAP',
};

type NotifyName = keyof typeof NOTIFY_ERROR | keyof typeof NOTIFY_STATUS;

const NOTIFY_SHORT: Readonly<Record<NotifyName, string>> = {
  UNSUPPORTED_CRITICAL_PAYLOAD: 'CRIT', INVALID_IKE_SPI: 'INVAL_IKE_SPI', INVALID_MAJOR_VERSION: 'INVAL_MAJOR',
  INVALID_SYNTAX: 'INVAL_SYN', INVALID_MESSAGE_ID: 'INVAL_MID', INVALID_SPI: 'INVAL_SPI', NO_PROPOSAL_CHOSEN: 'NO_PROP',
  INVALID_KE_PAYLOAD: 'INVAL_KE', AUTHENTICATION_FAILED: 'AUTH_FAILED', SINGLE_PAIR_REQUIRED: 'SINGLE_PAIR',
  NO_ADDITIONAL_SAS: 'NO_ADD_SAS', INTERNAL_ADDRESS_FAILURE: 'INT_ADDR_FAIL', FAILED_CP_REQUIRED: 'FAIL_CP_REQ',
  TS_UNACCEPTABLE: 'TS_UNACCEPT', INVALID_SELECTORS: 'INVAL_SEL', TEMPORARY_FAILURE: 'TEMP_FAIL', CHILD_SA_NOT_FOUND: 'NO_CHILD_SA',
  INITIAL_CONTACT: 'INIT_CONTACT', SET_WINDOW_SIZE: 'SET_WINSIZE', ADDITIONAL_TS_POSSIBLE: 'ADD_TS_POSS',
  IPCOMP_SUPPORTED: 'IPCOMP_SUP', NAT_DETECTION_SOURCE_IP: 'NATD_S_IP', NAT_DETECTION_DESTINATION_IP: 'NATD_D_IP',
  COOKIE: 'COOKIE', USE_TRANSPORT_MODE: 'USE_TRANSP', HTTP_CERT_LOOKUP_SUPPORTED: 'HTTP_CERT_LOOK', REKEY_SA: 'REKEY_SA',
  ESP_TFC_PADDING_NOT_SUPPORTED: 'ESP_TFC_PAD_N', NON_FIRST_FRAGMENTS_ALSO: 'NON_FIRST_FRAG', MOBIKE_SUPPORTED: 'MOBIKE_SUP',
  IKEV2_FRAGMENTATION_SUPPORTED: 'FRAG_SUP', SIGNATURE_HASH_ALGORITHMS: 'HASH_ALG',
};

const NOTIFY_BY_NUMBER: ReadonlyMap<number, string> = new Map(
  Object.entries({ ...NOTIFY_ERROR, ...NOTIFY_STATUS }).map(([name, n]) => [n, NOTIFY_SHORT[name as NotifyName]]),
);

/** strongSwan's CPRQ/CPRP/CPS/CPA for the CFG Types of RFC 7296 3.15. */
const CP_NAMES: ReadonlyMap<number, string> = new Map([
  [CFG_TYPE.CFG_REQUEST, 'CPRQ'], [CFG_TYPE.CFG_REPLY, 'CPRP'], [CFG_TYPE.CFG_SET, 'CPS'], [CFG_TYPE.CFG_ACK, 'CPA'],
]);

const EXCHANGE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(EXCHANGE).map(([name, n]) => [n, name]));

export function exchangeLabel(exchangeType: number): string {
  return EXCHANGE_NAMES.get(exchangeType) ?? `exchange-${exchangeType}`;
}

export function payloadLabel(p: Payload): string {
  switch (p.kind) {
    case 'NOTIFY': return `N(${NOTIFY_BY_NUMBER.get(p.notifyType) ?? p.notifyType})`;
    case 'CP': return CP_NAMES.get(p.cfgType) ?? `CP(${p.cfgType})`;
    case 'SKF': return `EF(${p.fragmentNumber}/${p.totalFragments})`;
    case 'UNKNOWN': return `UNKN(${p.type})`;
    default: return KIND_NAMES[p.kind];
  }
}

/**
 * "IKE_AUTH request #1 [ IDi AUTH SA TSi TSr ]". Pass the decrypted inner payloads as `inner` to
 * describe what a protected message carried rather than its one sealed SK payload.
 */
export function describeMessage(message: { readonly header: Pick<IkeHeader, 'exchangeType' | 'response' | 'messageId'>; readonly payloads: readonly Payload[] }, inner?: readonly Payload[]): string {
  const { header } = message;
  const names = (inner ?? message.payloads).map(payloadLabel);
  return `${exchangeLabel(header.exchangeType)} ${header.response ? 'response' : 'request'} #${header.messageId} [ ${names.join(' ')}${names.length > 0 ? ' ' : ''}]`;
}
