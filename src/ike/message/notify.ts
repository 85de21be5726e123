// RFC 7296 3.10: the Notify payload, and the helpers exchanges use to find, build and sort them.
//
//  |  Protocol ID  |   SPI Size    |      Notify Message Type      |
//  ~                Security Parameter Index (SPI)                 ~
//  ~                       Notification Data                       ~
import { u16, writeU16 } from '../../wire/bytes.js';
import { checkedU8 } from './encode-util.js';
import { bodyFailure } from './failure.js';
import type { BodyResult } from './failure.js';
import { FIRST_STATUS_NOTIFY } from './numbers.js';
import type { NotifyPayload, Payload } from './types.js';

const NOTIFY_FIXED = 4;
const EMPTY = Buffer.alloc(0);

export function decodeNotify(body: Buffer, critical: boolean): BodyResult<NotifyPayload> {
  const spiSize = body[1]!;
  if (body.length < NOTIFY_FIXED + spiSize) return bodyFailure(`Notify: SPI Size ${spiSize} overruns the payload (${body.length - NOTIFY_FIXED} octets after the fixed fields)`, 1);
  return {
    ok: true,
    value: {
      kind: 'NOTIFY', critical, protocolId: body[0]!, notifyType: u16(body, 2),
      spi: body.subarray(NOTIFY_FIXED, NOTIFY_FIXED + spiSize), data: body.subarray(NOTIFY_FIXED + spiSize),
    },
  };
}

export function encodeNotify(p: NotifyPayload): Buffer {
  const head = Buffer.alloc(NOTIFY_FIXED);
  head[0] = p.protocolId;
  head[1] = checkedU8(p.spi.length, 'SPI Size');
  writeU16(head, 2, p.notifyType);
  return Buffer.concat([head, p.spi, p.data]);
}

/**
 * A Notify payload to send. RFC 7296 3.10: without an SPI the Protocol ID "MUST be sent as zero";
 * with one (REKEY_SA, INVALID_SELECTORS, CHILD_SA_NOT_FOUND) it names the SA's protocol.
 */
export function notifyPayload(notifyType: number, data: Buffer = EMPTY, protocolId = 0, spi: Buffer = EMPTY): NotifyPayload {
  return { kind: 'NOTIFY', critical: false, protocolId: spi.length === 0 ? 0 : protocolId, spi, notifyType, data };
}

/** The first Notify of that type, if any. */
export function findNotify(payloads: readonly Payload[], notifyType: number): NotifyPayload | undefined {
  for (const p of payloads) if (p.kind === 'NOTIFY' && p.notifyType === notifyType) return p;
  return undefined;
}

/** RFC 7296 3.10.1: types below 16384 report errors; an unknown one in a response fails the request. */
export function errorNotifies(payloads: readonly Payload[]): NotifyPayload[] {
  return payloads.filter((p): p is NotifyPayload => p.kind === 'NOTIFY' && isErrorNotify(p.notifyType));
}

export function isErrorNotify(notifyType: number): boolean {
  return notifyType < FIRST_STATUS_NOTIFY;
}
