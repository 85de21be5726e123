// The payloads whose body is a few fixed fields and one variable-length tail, declared as the
// table of their RFC 7296 diagrams (STYLE.md point 7): one row per payload, one entry per field,
// reserved octets named by width (sent as zero, ignored on receipt, RFC 7296 3.2).
import { u16, writeU16 } from '../../wire/bytes.js';
import { bodyFailure } from './failure.js';
import type { BodyResult } from './failure.js';
import type { AuthPayload, CertPayload, CertReqPayload, EapPayload, IdPayload, KePayload, NoncePayload, Payload, VendorPayload } from './types.js';

type Field = { readonly name: string; readonly width: 1 | 2 } | { readonly reserved: 1 | 2 | 3 };
type LayoutPayload = KePayload | IdPayload | CertPayload | CertReqPayload | AuthPayload | NoncePayload | VendorPayload | EapPayload;

export interface Layout {
  readonly kind: LayoutPayload['kind'];
  readonly fields: readonly Field[];
  /** The field holding the variable-length rest of the body. */
  readonly rest: string;
  /** Inclusive bounds on the rest's length, when the RFC sets them. */
  readonly restLength?: readonly [number, number];
  /** IDi/IDr: keep the whole body, the octets AUTH signs (RFC 7296 2.15). */
  readonly keepBody?: boolean;
  /** A further rule the RFC sets on the rest; returns why it fails, or null. */
  readonly check?: (rest: Buffer) => string | null;
}

const u8 = (name: string): Field => ({ name, width: 1 });
const u16f = (name: string): Field => ({ name, width: 2 });
const reserved = (octets: 1 | 2 | 3): Field => ({ reserved: octets });

/** RFC 3748 4: an EAP packet's own Length field covers the whole packet (Code, Identifier, Length, Data). */
function eapLengthMatches(rest: Buffer): string | null {
  if (rest.length < 4) return `EAP message of ${rest.length} octets is shorter than its 4-octet header`;
  const length = u16(rest, 2);
  return length === rest.length ? null : `EAP Length field says ${length} but the payload carries ${rest.length} octets`;
}

export const LAYOUTS: readonly Layout[] = [
  { kind: 'KE', fields: [u16f('group'), reserved(2)], rest: 'keyData' }, // RFC 7296 3.4
  { kind: 'IDi', fields: [u8('idType'), reserved(3)], rest: 'data', keepBody: true }, // 3.5
  { kind: 'IDr', fields: [u8('idType'), reserved(3)], rest: 'data', keepBody: true }, // 3.5
  { kind: 'CERT', fields: [u8('encoding')], rest: 'data' }, // 3.6
  { kind: 'CERTREQ', fields: [u8('encoding')], rest: 'data' }, // 3.7
  { kind: 'AUTH', fields: [u8('method'), reserved(3)], rest: 'data' }, // 3.8
  { kind: 'NONCE', fields: [], rest: 'nonce', restLength: [16, 256] }, // 3.9: "between 16 and 256 octets, inclusive"
  { kind: 'VENDOR', fields: [], rest: 'vendorId' }, // 3.12
  { kind: 'EAP', fields: [], rest: 'data', check: eapLengthMatches }, // 3.16
];

const widthOf = (f: Field): number => ('reserved' in f ? f.reserved : f.width);

/** Octets of fixed fields before the rest. */
export function fixedLength(layout: Layout): number {
  return layout.fields.reduce((n, f) => n + widthOf(f), 0);
}

/** The chain has checked body.length >= fixedLength(layout). */
export function decodeLayout(layout: Layout, body: Buffer, critical: boolean): BodyResult<Payload> {
  const out: Record<string, number | boolean | string | Buffer> = { kind: layout.kind, critical };
  let off = 0;
  for (const f of layout.fields) {
    if (!('reserved' in f)) out[f.name] = f.width === 1 ? body[off]! : u16(body, off);
    off += widthOf(f);
  }
  const rest = body.subarray(off);
  if (layout.restLength && (rest.length < layout.restLength[0] || rest.length > layout.restLength[1])) {
    return bodyFailure(`${layout.kind}: ${layout.rest} of ${rest.length} octets, the RFC allows ${layout.restLength[0]}..${layout.restLength[1]}`, off);
  }
  const why = layout.check?.(rest) ?? null;
  if (why !== null) return bodyFailure(`${layout.kind}: ${why}`, off);
  out[layout.rest] = rest;
  if (layout.keepBody) out.body = body;
  // The record was filled field by field from the layout row declared for this kind.
  return { ok: true, value: out as unknown as Payload };
}

export function encodeLayout(layout: Layout, p: Payload): Buffer {
  const fields = p as unknown as Readonly<Record<string, number | Buffer>>;
  const rest = fields[layout.rest];
  if (!Buffer.isBuffer(rest)) throw new TypeError(`${layout.kind} payload needs a Buffer '${layout.rest}'`);
  if (layout.restLength && (rest.length < layout.restLength[0] || rest.length > layout.restLength[1])) {
    throw new RangeError(`${layout.kind} ${layout.rest} must be ${layout.restLength[0]}..${layout.restLength[1]} octets, not ${rest.length}`);
  }
  const head = Buffer.alloc(fixedLength(layout));
  let off = 0;
  for (const f of layout.fields) {
    if (!('reserved' in f)) {
      const value = fields[f.name];
      if (typeof value !== 'number') throw new TypeError(`${layout.kind} payload needs a number '${f.name}'`);
      if (f.width === 1) head[off] = value;
      else writeU16(head, off, value);
    }
    off += widthOf(f);
  }
  return Buffer.concat([head, rest]);
}
