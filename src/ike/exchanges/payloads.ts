// Small builders and finders for the payloads exchanges use, so the exchange modules read as
// the RFC's message diagrams.
import { PAYLOAD } from '../message/numbers.js';
import type { IdPayload, IkeMessage, NotifyPayload, Payload } from '../message/types.js';

export function notify(notifyType: number, data: Buffer = Buffer.alloc(0), protocolId = 0, spi: Buffer = Buffer.alloc(0)): NotifyPayload {
  return { kind: 'NOTIFY', critical: false, protocolId, spi, notifyType, data };
}

export function findNotify(payloads: readonly Payload[], notifyType: number): NotifyPayload | undefined {
  return payloads.find((p): p is NotifyPayload => p.kind === 'NOTIFY' && p.notifyType === notifyType);
}

export function allNotifies(payloads: readonly Payload[], notifyType: number): NotifyPayload[] {
  return payloads.filter((p): p is NotifyPayload => p.kind === 'NOTIFY' && p.notifyType === notifyType);
}

/** The first error notification (type below 16384), if any: RFC 7296 3.10.1. */
export function firstError(payloads: readonly Payload[]): NotifyPayload | undefined {
  return payloads.find((p): p is NotifyPayload => p.kind === 'NOTIFY' && p.notifyType < 16384);
}

/** The payload type(s) whose kind can be K (TsPayload's kind is 'TSi' | 'TSr', so Extract alone would miss it). */
export type PayloadOfKind<K extends Payload['kind'], P extends Payload = Payload> = P extends Payload ? (K extends P['kind'] ? P : never) : never;

export function first<K extends Payload['kind']>(payloads: readonly Payload[], kind: K): PayloadOfKind<K> | undefined {
  return payloads.find((p) => p.kind === kind) as PayloadOfKind<K> | undefined;
}

export function idPayload(kind: 'IDi' | 'IDr', idType: number, data: Buffer): IdPayload {
  const body = Buffer.concat([Buffer.from([idType, 0, 0, 0]), data]);
  return { kind, critical: false, idType, data, body };
}

/** The outer payloads of an unprotected message (IKE_SA_INIT). */
export function outerPayloads(message: IkeMessage): readonly Payload[] {
  return message.payloads;
}

/** Whether a message carries a protected (SK) payload. */
export function isProtected(message: IkeMessage): boolean {
  return message.payloads.some((p) => p.kind === 'SK' || p.kind === 'SKF');
}

export const NO_PAYLOAD = PAYLOAD.NONE;
