// RFC 7296 3.1: the IKE header, 28 octets.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  |                       IKE SA Initiator's SPI                  |  (8)
//  |                       IKE SA Responder's SPI                  |  (8)
//  |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
//  |                          Message ID                           |
//  |                            Length                             |
import { u32, writeU32 } from '../../wire/bytes.js';
import { HEADER_FLAG, NOTIFY_ERROR } from './numbers.js';
import type { IkeDecodeResult, IkeHeader } from './types.js';

export const IKE_HEADER_LENGTH = 28;
export const IKE_SPI_LENGTH = 8;
/** RFC 7296 3.1: we speak 2.0. */
export const IKE_MAJOR_VERSION = 2;
export const IKE_MINOR_VERSION = 0;

/** The fields a sender chooses; length is written by encodeHeader. */
export type IkeHeaderFields = Omit<IkeHeader, 'length' | 'majorVersion' | 'minorVersion' | 'higherVersion'> &
  Partial<Pick<IkeHeader, 'majorVersion' | 'minorVersion' | 'higherVersion'>>;

/**
 * Decodes the header at the start of `raw`. Checks only what the header itself can tell: its own
 * size, the Length field against the datagram and the major version (RFC 7296 2.5: a message with
 * a major version above 2 is answered with INVALID_MAJOR_VERSION, when it is a request).
 */
export function decodeHeader(raw: Buffer): IkeDecodeResult<IkeHeader> {
  if (raw.length < IKE_HEADER_LENGTH) {
    return failure('truncated-header', `${raw.length} octets cannot hold the ${IKE_HEADER_LENGTH}-octet IKE header`, 0, null);
  }
  const version = raw[17]!;
  const flags = raw[19]!;
  const header: IkeHeader = {
    initiatorSpi: raw.subarray(0, 8),
    responderSpi: raw.subarray(8, 16),
    nextPayload: raw[16]!,
    majorVersion: version >> 4,
    minorVersion: version & 0x0f,
    exchangeType: raw[18]!,
    initiator: (flags & HEADER_FLAG.INITIATOR) !== 0,
    response: (flags & HEADER_FLAG.RESPONSE) !== 0,
    higherVersion: (flags & HEADER_FLAG.VERSION) !== 0,
    messageId: u32(raw, 20),
    length: u32(raw, 24),
  };
  if (header.majorVersion !== IKE_MAJOR_VERSION) {
    // RFC 7296 2.5: only a *higher* major version is answered with INVALID_MAJOR_VERSION; a lower
    // one (IKEv1 is 1) is another protocol with another header, dropped without a word.
    const notify = header.majorVersion > IKE_MAJOR_VERSION ? NOTIFY_ERROR.INVALID_MAJOR_VERSION : null;
    return failure('bad-major-version', `major version ${header.majorVersion}, we speak ${IKE_MAJOR_VERSION}`, 17, notify);
  }
  if (header.length !== raw.length) {
    return failure('bad-length', `header Length is ${header.length} but the datagram carries ${raw.length} octets`, 24, null);
  }
  return { ok: true, value: header };
}

/** Writes the 28-octet header for a message of `length` octets (header included). */
export function encodeHeader(fields: IkeHeaderFields, length: number): Buffer {
  if (fields.initiatorSpi.length !== IKE_SPI_LENGTH || fields.responderSpi.length !== IKE_SPI_LENGTH) {
    throw new RangeError('IKE SPIs are 8 octets each');
  }
  const out = Buffer.alloc(IKE_HEADER_LENGTH);
  fields.initiatorSpi.copy(out, 0);
  fields.responderSpi.copy(out, 8);
  out[16] = fields.nextPayload;
  out[17] = ((fields.majorVersion ?? IKE_MAJOR_VERSION) << 4) | (fields.minorVersion ?? IKE_MINOR_VERSION);
  out[18] = fields.exchangeType;
  out[19] = (fields.initiator ? HEADER_FLAG.INITIATOR : 0) | (fields.response ? HEADER_FLAG.RESPONSE : 0) |
    (fields.higherVersion === true ? HEADER_FLAG.VERSION : 0);
  writeU32(out, 20, fields.messageId >>> 0);
  writeU32(out, 24, length >>> 0);
  return out;
}

/** The IKE SA's pair of SPIs as one map key: 32 hex digits, initiator's first. */
export function ikeSaKey(initiatorSpi: Uint8Array, responderSpi: Uint8Array): string {
  return Buffer.from(initiatorSpi).toString('hex') + Buffer.from(responderSpi).toString('hex');
}

function failure(reason: 'truncated-header' | 'bad-major-version' | 'bad-length', detail: string, offset: number, notify: number | null): IkeDecodeResult<IkeHeader> {
  return { ok: false, reason, detail, offset, notify, notifyData: null };
}
