// Test helpers: temporary files, and capture bytes laid out by hand from the format drafts
// (draft-ietf-opsawg-pcap 4-5, draft-ietf-opsawg-pcapng 3-4), independent of src/io/capture.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { CaptureError } from '../../../src/io/capture/errors.js';
import type { CaptureFrame, CaptureReader } from '../../../src/io/capture/frame.js';

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipsec-ts-capture-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeTemp(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Little or big endian integer writer. */
export class Bytes {
  private readonly parts: Buffer[] = [];
  constructor(private readonly le: boolean) {}
  u8(v: number): this { this.parts.push(Buffer.from([v])); return this; }
  u16(v: number): this { const b = Buffer.alloc(2); if (this.le) b.writeUInt16LE(v); else b.writeUInt16BE(v); this.parts.push(b); return this; }
  u32(v: number): this { const b = Buffer.alloc(4); if (this.le) b.writeUInt32LE(v >>> 0); else b.writeUInt32BE(v >>> 0); this.parts.push(b); return this; }
  i64(v: bigint): this { const b = Buffer.alloc(8); if (this.le) b.writeBigInt64LE(v); else b.writeBigInt64BE(v); this.parts.push(b); return this; }
  raw(b: Uint8Array): this { this.parts.push(Buffer.from(b)); return this; }
  pad4(): this { const n = this.length % 4; if (n) this.parts.push(Buffer.alloc(4 - n)); return this; }
  get length(): number { return this.parts.reduce((n, p) => n + p.length, 0); }
  done(): Buffer { return Buffer.concat(this.parts); }
}

export interface RecordSpec { sec: number; frac: number; data: Buffer; orig?: number }

/** pcap: 24-byte file header (magic, 2.4, reserved, snaplen, link field), 16-byte record headers. */
export function pcapBytes(le: boolean, nano: boolean, linkField: number, records: readonly RecordSpec[], snaplen = 65535): Buffer {
  const b = new Bytes(le).u32(nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(snaplen).u32(linkField);
  for (const r of records) b.u32(r.sec).u32(r.frac).u32(r.data.length).u32(r.orig ?? r.data.length).raw(r.data);
  return b.done();
}

/** One pcapng block: type, total length, body padded to 4, total length. */
export function block(le: boolean, type: number, body: Buffer): Buffer {
  const padded = new Bytes(le).raw(body).pad4().done();
  const total = padded.length + 12;
  return new Bytes(le).u32(type).u32(total).raw(padded).u32(total).done();
}

export function shb(le: boolean, major = 1, minor = 0): Buffer {
  return block(le, 0x0a0d0d0a, new Bytes(le).u32(0x1a2b3c4d).u16(major).u16(minor).i64(-1n).done());
}

export interface IdbOptions { tsresol?: number; tsoffset?: bigint; name?: string }

export function idb(le: boolean, linkType: number, snaplen = 0, o: IdbOptions = {}): Buffer {
  const b = new Bytes(le).u16(linkType).u16(0).u32(snaplen);
  if (o.name !== undefined) b.u16(2).u16(Buffer.byteLength(o.name)).raw(Buffer.from(o.name)).pad4();
  if (o.tsresol !== undefined) b.u16(9).u16(1).u8(o.tsresol).pad4();
  if (o.tsoffset !== undefined) b.u16(14).u16(8).i64(o.tsoffset);
  if (o.name !== undefined || o.tsresol !== undefined || o.tsoffset !== undefined) b.u16(0).u16(0);
  return block(le, 1, b.done());
}

export function epb(le: boolean, iface: number, ts: bigint, data: Buffer, orig = data.length): Buffer {
  return block(le, 6, new Bytes(le).u32(iface).u32(Number(ts >> 32n)).u32(Number(ts & 0xffffffffn)).u32(data.length).u32(orig).raw(data).pad4().done());
}

export function spb(le: boolean, data: Buffer, orig = data.length): Buffer {
  return block(le, 3, new Bytes(le).u32(orig).raw(data).pad4().done());
}

export function pb(le: boolean, iface: number, ts: bigint, data: Buffer): Buffer {
  return block(le, 2, new Bytes(le).u16(iface).u16(0xffff).u32(Number(ts >> 32n)).u32(Number(ts & 0xffffffffn)).u32(data.length).u32(data.length).raw(data).pad4().done());
}

/** Every frame of a reader, which is then closed. */
export function readAll(r: CaptureReader): CaptureFrame[] {
  const out = [...r];
  r.close();
  return out;
}

/** The CaptureError fn throws; anything else fails the test. */
export function captureError(fn: () => unknown): CaptureError {
  try { fn(); } catch (err) { if (err instanceof CaptureError) return err; throw err; }
  throw new Error('expected a CaptureError');
}
