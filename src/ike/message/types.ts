// The decoded shapes of IKEv2 messages (RFC 7296 3). Byte fields are Buffers (views into the
// received datagram where the codec can, copies where it must); numbers are the wire values, so
// an unknown value survives decode and encode unchanged. The codec lives beside this file:
// decode never throws on network input, encode(decode(x)) reproduces x.
import type { ExchangeName } from './numbers.js';

/** RFC 7296 3.1: the fixed 28-octet header. */
export interface IkeHeader {
  /** 8 octets each; the responder SPI is all zero in the first IKE_SA_INIT request. */
  readonly initiatorSpi: Buffer;
  readonly responderSpi: Buffer;
  /** Type of the first payload (PAYLOAD.*). */
  readonly nextPayload: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly exchangeType: number;
  /** I flag: sent by the original initiator of the IKE SA. */
  readonly initiator: boolean;
  /** R flag: this message is a response. */
  readonly response: boolean;
  /** V flag: the sender could speak a higher major version. */
  readonly higherVersion: boolean;
  readonly messageId: number;
  /** Length of the whole message in octets, header included. */
  readonly length: number;
}

/** RFC 7296 3.3.5: one transform attribute; only Key Length (14) is defined for IKEv2. */
export interface TransformAttribute {
  readonly type: number;
  /** TV format (AF=1) carries a 16-bit value; TLV format carries bytes. */
  readonly value: number | Buffer;
}

/** RFC 7296 3.3.2. */
export interface Transform {
  readonly type: number;
  readonly id: number;
  /** Key Length attribute in bits, when present. */
  readonly keyLength: number | null;
  /** Every attribute as received, Key Length included (for attribute checks and re-encoding). */
  readonly attributes: readonly TransformAttribute[];
}

/** RFC 7296 3.3.1. */
export interface Proposal {
  /** Proposal Num: 1 for the first, consecutive; the responder echoes the chosen one's number. */
  readonly number: number;
  readonly protocolId: number;
  /** Empty for IKE in IKE_SA_INIT, 8 octets for IKE when rekeying, 4 for ESP/AH. */
  readonly spi: Buffer;
  readonly transforms: readonly Transform[];
}

/** RFC 7296 3.13.1. */
export interface TrafficSelector {
  readonly tsType: number;
  /** 0 = any protocol. */
  readonly ipProtocol: number;
  readonly startPort: number;
  readonly endPort: number;
  /** 4 octets for TS_IPV4_ADDR_RANGE, 16 for TS_IPV6_ADDR_RANGE; other types: the raw body. */
  readonly startAddress: Buffer;
  readonly endAddress: Buffer;
}

/** RFC 7296 3.15.1. */
export interface ConfigAttribute {
  readonly type: number;
  readonly value: Buffer;
}

/** Fields every payload has (RFC 7296 3.2). `critical` is the C bit as received/sent. */
interface PayloadBase {
  readonly critical: boolean;
}

export interface SaPayload extends PayloadBase { readonly kind: 'SA'; readonly proposals: readonly Proposal[] }
export interface KePayload extends PayloadBase { readonly kind: 'KE'; readonly group: number; readonly keyData: Buffer }
export interface IdPayload extends PayloadBase {
  readonly kind: 'IDi' | 'IDr';
  readonly idType: number;
  readonly data: Buffer;
  /** The payload body after the generic header (ID Type, RESERVED, data): what AUTH signs (RFC 7296 2.15). */
  readonly body: Buffer;
}
export interface CertPayload extends PayloadBase { readonly kind: 'CERT'; readonly encoding: number; readonly data: Buffer }
export interface CertReqPayload extends PayloadBase { readonly kind: 'CERTREQ'; readonly encoding: number; readonly data: Buffer }
export interface AuthPayload extends PayloadBase { readonly kind: 'AUTH'; readonly method: number; readonly data: Buffer }
export interface NoncePayload extends PayloadBase { readonly kind: 'NONCE'; readonly nonce: Buffer }
export interface NotifyPayload extends PayloadBase {
  readonly kind: 'NOTIFY';
  /** 0 when no SPI is carried. */
  readonly protocolId: number;
  readonly spi: Buffer;
  readonly notifyType: number;
  readonly data: Buffer;
}
export interface DeletePayload extends PayloadBase {
  readonly kind: 'DELETE';
  readonly protocolId: number;
  /** 0 for IKE (the IKE SA of the message), 4 for ESP/AH. */
  readonly spiSize: number;
  readonly spis: readonly Buffer[];
}
export interface VendorPayload extends PayloadBase { readonly kind: 'VENDOR'; readonly vendorId: Buffer }
export interface TsPayload extends PayloadBase { readonly kind: 'TSi' | 'TSr'; readonly selectors: readonly TrafficSelector[] }
export interface CpPayload extends PayloadBase { readonly kind: 'CP'; readonly cfgType: number; readonly attributes: readonly ConfigAttribute[] }
export interface EapPayload extends PayloadBase { readonly kind: 'EAP'; readonly data: Buffer }
/**
 * RFC 7296 3.14: the Encrypted and Authenticated payload as received: still sealed. It is always
 * the last payload of the outer chain. `offset` is where its generic header starts in the message
 * (the AAD of an AEAD is message[0 .. offset + 4), RFC 5282 5.1), `body` is IV || ciphertext || ICV.
 */
export interface SkPayload extends PayloadBase {
  readonly kind: 'SK';
  /** Type of the first payload inside (the SK payload's Next Payload field). */
  readonly firstInnerType: number;
  readonly offset: number;
  readonly body: Buffer;
}
/**
 * RFC 7383 2.5: an encrypted fragment, still sealed. `offset` is where its generic header starts;
 * `body` is what follows Fragment Number and Total Fragments (IV || ciphertext || ICV), so the AAD
 * of an AEAD is message[0 .. offset + 8).
 */
export interface SkfPayload extends PayloadBase {
  readonly kind: 'SKF';
  readonly firstInnerType: number;
  readonly fragmentNumber: number;
  readonly totalFragments: number;
  readonly offset: number;
  readonly body: Buffer;
}
/** A payload type we do not know; with the critical bit set it must be refused (RFC 7296 2.5). */
export interface UnknownPayload extends PayloadBase { readonly kind: 'UNKNOWN'; readonly type: number; readonly body: Buffer }

export type Payload =
  | SaPayload | KePayload | IdPayload | CertPayload | CertReqPayload | AuthPayload | NoncePayload
  | NotifyPayload | DeletePayload | VendorPayload | TsPayload | CpPayload | EapPayload
  | SkPayload | SkfPayload | UnknownPayload;

export type PayloadKind = Payload['kind'];

/** A decoded message: the header and the outer payload chain (for protected ones ending in SK). */
export interface IkeMessage {
  readonly header: IkeHeader;
  readonly payloads: readonly Payload[];
  /** The bytes decoded (for the response cache, AUTH's signed octets and the ICV check). */
  readonly raw: Buffer;
}

/** Why a message or payload chain was refused; `notify` is what RFC 7296 says to answer with, if anything. */
export interface IkeDecodeFailure {
  readonly ok: false;
  readonly reason: IkeDecodeReason;
  /** Human text naming the field and what was found. */
  readonly detail: string;
  /** Offset into the decoded bytes where the problem was found. */
  readonly offset: number;
  /** NOTIFY_ERROR.* to send back (INVALID_SYNTAX, UNSUPPORTED_CRITICAL_PAYLOAD, INVALID_MAJOR_VERSION), or null for silence. */
  readonly notify: number | null;
  /** For UNSUPPORTED_CRITICAL_PAYLOAD: the payload type (its one octet of notify data). */
  readonly notifyData: Buffer | null;
}

export type IkeDecodeReason =
  | 'truncated-header'
  | 'bad-length'
  | 'bad-major-version'
  | 'truncated-payload'
  | 'bad-payload-length'
  | 'malformed-payload'
  | 'unsupported-critical-payload'
  | 'sk-not-last'
  | 'trailing-bytes';

export type IkeDecodeResult<T> = { readonly ok: true; readonly value: T } | IkeDecodeFailure;

/** For readability in logs: the exchange name of a header, or its number. */
export type ExchangeLabel = ExchangeName | `exchange-${number}`;
