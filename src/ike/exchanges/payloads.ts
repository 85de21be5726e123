// Small builders and finders for the payloads exchanges use, so the exchange modules read as
// the RFC's message diagrams.
import { createHash } from 'node:crypto';
import type { TrustStore } from '../auth/certs.js';
import { CERT_ENCODING } from '../message/numbers.js';
import type { CertReqPayload, IdPayload, NotifyPayload, Payload } from '../message/types.js';

export function notify(notifyType: number, data: Buffer = Buffer.alloc(0), protocolId = 0, spi: Buffer = Buffer.alloc(0)): NotifyPayload {
  return { kind: 'NOTIFY', critical: false, protocolId, spi, notifyType, data };
}

/**
 * RFC 7296 3.7: CERTREQ for X.509 certificates signed by our trust anchors, each named by the SHA-1
 * hash of its SubjectPublicKeyInfo. Peers that send their certificate only when asked (strongSwan's
 * default, send_cert = ifasked) leave it out of IKE_AUTH without one. Null without trust anchors.
 */
export function certReqPayload(trust: TrustStore | null): CertReqPayload | null {
  if (trust === null) return null;
  const hashes = trust.anchors.map((ca) => createHash('sha1').update(ca.publicKey.export({ type: 'spki', format: 'der' })).digest());
  return { kind: 'CERTREQ', critical: false, encoding: CERT_ENCODING.X509_SIGNATURE, data: Buffer.concat(hashes) };
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

/** A 4-octet ESP SPI as it travels in SA, Notify and Delete payloads. */
export function spiBytes(spi: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(spi >>> 0, 0);
  return b;
}
