// Capture writers: pcap (draft-ietf-opsawg-pcap) and pcapng (draft-ietf-opsawg-pcapng: one
// SHB, IDBs, EPBs/SPBs), streamed to a file through a buffer; and frameForLink, which wraps an
// IP packet in the link-layer header of any link type the readers decode.
import { closeSync, openSync, writeSync } from 'node:fs';
import { CaptureError } from './errors.js';
import { ETHERTYPE, LINKTYPE } from './link.js';
import { PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS } from './pcap-reader.js';
import { BLOCK, BYTE_ORDER_MAGIC, OPTION } from './pcapng-reader.js';

export interface CaptureTime {
  readonly seconds: number;
  readonly nanoseconds: number;
}

/** Splits a millisecond timestamp (float) into whole seconds and nanoseconds. */
export function timeFromMs(ms: number): CaptureTime {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new RangeError(`ms must be a finite number >= 0, got ${ms}`);
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanoseconds: Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6)) };
}

// Locally administered unicast MACs (IEEE 802: second-lowest bit of the first byte set).
const MAC_SRC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
const MAC_DST = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];

export interface VlanTag {
  /** 0x8100 (802.1Q) or 0x88a8 (802.1ad). */
  readonly tpid: number;
  readonly id: number;
}

export interface FrameOptions {
  /** Ethernet only: tags in wire order (outer first). */
  readonly vlans?: readonly VlanTag[];
  /** NULL only: byte order of the address family (default little, as x86 writes it). */
  readonly nullLittleEndian?: boolean;
  /** NULL / LOOP only: AF_INET6 value, 24, 28 or 30 (default 24). */
  readonly af6?: 24 | 28 | 30;
}

/** Wraps an IPv4/IPv6 packet in the link-layer header of `linkType`. Throws on misuse. */
export function frameForLink(linkType: number, ip: Uint8Array, opts: FrameOptions = {}): Buffer {
  if (!(ip instanceof Uint8Array)) throw new TypeError('ip must be a Uint8Array');
  const version = ip.length > 0 ? ip[0]! >> 4 : 0;
  if (version !== 4 && version !== 6) throw new RangeError('ip must start with IP version 4 or 6');
  const etherType = version === 4 ? ETHERTYPE.IPV4 : ETHERTYPE.IPV6;
  switch (linkType) {
    case LINKTYPE.ETHERNET: return withHeader(ethernetHeader(etherType, opts.vlans ?? []), ip);
    case LINKTYPE.RAW: case LINKTYPE.RAW_DLT12: case LINKTYPE.RAW_DLT14: return Buffer.from(ip);
    case LINKTYPE.IPV4: case LINKTYPE.IPV6:
      if ((linkType === LINKTYPE.IPV4) !== (version === 4)) throw new RangeError(`link type ${linkType} cannot carry IPv${version}`);
      return Buffer.from(ip);
    case LINKTYPE.NULL: case LINKTYPE.LOOP: return withHeader(loopbackHeader(linkType, version, opts), ip);
    case LINKTYPE.LINUX_SLL: return withHeader(sllHeader(etherType), ip);
    case LINKTYPE.LINUX_SLL2: return withHeader(sll2Header(etherType), ip);
    default: throw new RangeError(`linkType ${linkType} has no frame builder`);
  }
}

function withHeader(header: Buffer, ip: Uint8Array): Buffer {
  return Buffer.concat([header, ip]);
}

function ethernetHeader(etherType: number, vlans: readonly VlanTag[]): Buffer {
  const out = Buffer.alloc(14 + 4 * vlans.length);
  out.set(MAC_DST, 0);
  out.set(MAC_SRC, 6);
  let off = 12;
  for (const tag of vlans) {
    if (tag.id < 0 || tag.id > 0xfff || !Number.isInteger(tag.id)) throw new RangeError(`vlan id must be in [0, 4095], got ${tag.id}`);
    out.writeUInt16BE(tag.tpid, off);
    out.writeUInt16BE(tag.id, off + 2);
    off += 4;
  }
  out.writeUInt16BE(etherType, off);
  return out;
}

function loopbackHeader(linkType: number, version: 4 | 6, opts: FrameOptions): Buffer {
  const family = version === 4 ? 2 : opts.af6 ?? 24;
  const out = Buffer.alloc(4);
  if (linkType === LINKTYPE.NULL && (opts.nullLittleEndian ?? true)) out.writeUInt32LE(family, 0);
  else out.writeUInt32BE(family, 0);
  return out;
}

/** Packet type 0 (to us), ARPHRD_ETHER (1), a 6-byte address padded to 8, the protocol. */
function sllHeader(etherType: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt16BE(0, 0);
  out.writeUInt16BE(1, 2);
  out.writeUInt16BE(6, 4);
  out.set(MAC_SRC, 6);
  out.writeUInt16BE(etherType, 14);
  return out;
}

/** Protocol, reserved, interface index 1, ARPHRD_ETHER, packet type 0, address length 6, address. */
function sll2Header(etherType: number): Buffer {
  const out = Buffer.alloc(20);
  out.writeUInt16BE(etherType, 0);
  out.writeUInt32BE(1, 4);
  out.writeUInt16BE(1, 8);
  out[10] = 0;
  out[11] = 6;
  out.set(MAC_SRC, 12);
  return out;
}

/** Buffered sequential writes to a new file. */
class FileSink {
  private fd: number | null;
  private readonly buffer = Buffer.allocUnsafe(1024 * 1024);
  private used = 0;
  written = 0;

  constructor(readonly path: string) {
    if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string');
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new CaptureError('file-unwritable', path, `cannot be created (${code}); check the directory exists and is writable`, null, err);
    }
  }

  write(bytes: Uint8Array): void {
    if (this.fd === null) throw new CaptureError('closed', this.path, 'write after close');
    if (this.used + bytes.length > this.buffer.length) this.flush();
    if (bytes.length > this.buffer.length) writeAll(this.fd, bytes);
    else { this.buffer.set(bytes, this.used); this.used += bytes.length; }
    this.written += bytes.length;
  }

  flush(): void {
    if (this.fd !== null && this.used > 0) writeAll(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
}

export interface PcapWriterOptions {
  readonly linkType: number;
  /** Nanosecond timestamps (magic 0xa1b23c4d) instead of microseconds. */
  readonly nanosecond?: boolean;
  readonly snaplen?: number;
  /** Default true, the order of the x86 and ARM machines that write most captures. */
  readonly littleEndian?: boolean;
}

const DEFAULT_SNAPLEN = 262144;

/** The 24-byte pcap file header. */
export function encodePcapHeader(opts: PcapWriterOptions): Buffer {
  const out = Buffer.alloc(24);
  const le = opts.littleEndian ?? true;
  const w32 = (v: number, off: number): number => (le ? out.writeUInt32LE(v, off) : out.writeUInt32BE(v, off));
  const w16 = (v: number, off: number): number => (le ? out.writeUInt16LE(v, off) : out.writeUInt16BE(v, off));
  w32(opts.nanosecond ? PCAP_MAGIC_NANOS : PCAP_MAGIC_MICROS, 0);
  w16(2, 4);
  w16(4, 6);
  w32(opts.snaplen ?? DEFAULT_SNAPLEN, 16);
  if (!Number.isInteger(opts.linkType) || opts.linkType < 0 || opts.linkType > 0xffff) {
    throw new RangeError(`linkType must be an integer in [0, 65535], got ${opts.linkType}`);
  }
  w32(opts.linkType, 20);
  return out;
}

/** One pcap record: 16-byte header and the frame cut to the snaplen. */
export function encodePcapRecord(frame: Uint8Array, time: CaptureTime, opts: PcapWriterOptions, originalLength = frame.length): Buffer {
  checkTime(time);
  const captured = Math.min(frame.length, opts.snaplen ?? DEFAULT_SNAPLEN);
  const out = Buffer.alloc(16 + captured);
  const le = opts.littleEndian ?? true;
  const w32 = (v: number, off: number): number => (le ? out.writeUInt32LE(v, off) : out.writeUInt32BE(v, off));
  w32(time.seconds, 0);
  w32(opts.nanosecond ? time.nanoseconds : Math.floor(time.nanoseconds / 1000), 4);
  w32(captured, 8);
  w32(originalLength, 12);
  out.set(frame.subarray(0, captured), 16);
  return out;
}

function checkTime(time: CaptureTime): void {
  if (!Number.isInteger(time.seconds) || time.seconds < 0 || time.seconds > 0xffffffff) {
    throw new RangeError(`time.seconds must be an integer in [0, 2^32), got ${time.seconds}`);
  }
  if (!Number.isInteger(time.nanoseconds) || time.nanoseconds < 0 || time.nanoseconds > 999_999_999) {
    throw new RangeError(`time.nanoseconds must be an integer in [0, 1e9), got ${time.nanoseconds}`);
  }
}

/** Streams a pcap file. */
export class PcapWriter {
  readonly options: PcapWriterOptions;
  private readonly sink: FileSink;

  private constructor(path: string, options: PcapWriterOptions) {
    const header = encodePcapHeader(options);
    this.options = options;
    this.sink = new FileSink(path);
    this.sink.write(header);
  }

  static create(path: string, options: PcapWriterOptions): PcapWriter {
    return new PcapWriter(path, options);
  }

  get bytesWritten(): number { return this.sink.written; }

  writeFrame(frame: Uint8Array, time: CaptureTime, originalLength = frame.length): void {
    this.sink.write(encodePcapRecord(frame, time, this.options, originalLength));
  }

  /** Wraps the IP packet for the file's link type and writes it. */
  writePacket(ip: Uint8Array, time: CaptureTime, frameOptions?: FrameOptions): void {
    this.writeFrame(frameForLink(this.options.linkType, ip, frameOptions), time);
  }

  close(): void {
    this.sink.close();
  }
}

export interface PcapngInterfaceSpec {
  readonly linkType: number;
  /** 0 = no limit. */
  readonly snaplen?: number;
  /** Raw if_tsresol byte (4.2): n = 10^-n s, 0x80 | n = 2^-n s. Omitted means 6 (microseconds). */
  readonly tsresol?: number;
  /** if_tsoffset in seconds. */
  readonly tsoffset?: number;
  readonly name?: string;
}

export interface PcapngWriterOptions {
  readonly interfaces: readonly PcapngInterfaceSpec[];
  readonly littleEndian?: boolean;
}

/** Encodes pcapng blocks in one byte order. */
export class PcapngEncoder {
  constructor(readonly littleEndian = true) {}

  /** 4.1: SHB, version 1.0, section length -1 (not specified). */
  sectionHeader(): Buffer {
    const body = Buffer.alloc(16);
    this.w32(body, BYTE_ORDER_MAGIC, 0);
    this.w16(body, 1, 4);
    this.w16(body, 0, 6);
    body.writeBigInt64LE(-1n, 8); // all ones in either order
    return this.block(BLOCK.SHB, body);
  }

  /** 4.2: IDB with if_name, if_tsresol and if_tsoffset when given. */
  interfaceDescription(spec: PcapngInterfaceSpec): Buffer {
    const fixed = Buffer.alloc(8);
    this.w16(fixed, spec.linkType, 0);
    this.w32(fixed, spec.snaplen ?? 0, 4);
    const options: Buffer[] = [];
    if (spec.name !== undefined) options.push(this.option(OPTION.IF_NAME, Buffer.from(spec.name, 'utf8')));
    if (spec.tsresol !== undefined) options.push(this.option(OPTION.IF_TSRESOL, Buffer.from([spec.tsresol])));
    if (spec.tsoffset !== undefined) {
      const v = Buffer.alloc(8);
      if (this.littleEndian) v.writeBigInt64LE(BigInt(spec.tsoffset)); else v.writeBigInt64BE(BigInt(spec.tsoffset));
      options.push(this.option(OPTION.IF_TSOFFSET, v));
    }
    if (options.length > 0) options.push(this.option(OPTION.END, Buffer.alloc(0)));
    return this.block(BLOCK.IDB, Buffer.concat([fixed, ...options]));
  }

  /** 4.3: EPB; the timestamp is converted to the interface's units. */
  enhancedPacket(interfaceId: number, spec: PcapngInterfaceSpec, frame: Uint8Array, time: CaptureTime, originalLength = frame.length): Buffer {
    checkTime(time);
    const units = timeToUnits(time, spec);
    const fixed = Buffer.alloc(20);
    this.w32(fixed, interfaceId, 0);
    this.w32(fixed, Number(units >> 32n), 4);
    this.w32(fixed, Number(units & 0xffffffffn), 8);
    this.w32(fixed, frame.length, 12);
    this.w32(fixed, originalLength, 16);
    return this.block(BLOCK.EPB, Buffer.concat([fixed, padded(frame)]));
  }

  /** 4.4: SPB (no timestamp, interface 0). */
  simplePacket(frame: Uint8Array, originalLength = frame.length): Buffer {
    const fixed = Buffer.alloc(4);
    this.w32(fixed, originalLength, 0);
    return this.block(BLOCK.SPB, Buffer.concat([fixed, padded(frame)]));
  }

  /** 3.1: type, total length, body padded to 4, total length. */
  block(type: number, body: Uint8Array): Buffer {
    const total = 12 + body.length + ((4 - (body.length % 4)) % 4);
    const out = Buffer.alloc(total);
    this.w32(out, type, 0);
    this.w32(out, total, 4);
    out.set(body, 8);
    this.w32(out, total, total - 4);
    return out;
  }

  private option(code: number, value: Uint8Array): Buffer {
    const head = Buffer.alloc(4);
    this.w16(head, code, 0);
    this.w16(head, value.length, 2);
    return Buffer.concat([head, padded(value)]);
  }

  private w16(b: Buffer, v: number, off: number): void {
    if (this.littleEndian) b.writeUInt16LE(v, off); else b.writeUInt16BE(v, off);
  }

  private w32(b: Buffer, v: number, off: number): void {
    if (this.littleEndian) b.writeUInt32LE(v >>> 0, off); else b.writeUInt32BE(v >>> 0, off);
  }
}

function padded(bytes: Uint8Array): Buffer {
  const pad = (4 - (bytes.length % 4)) % 4;
  return pad === 0 ? Buffer.from(bytes) : Buffer.concat([bytes, Buffer.alloc(pad)]);
}

/** (seconds - if_tsoffset) * units per second + the fraction in units (rounded down). */
function timeToUnits(time: CaptureTime, spec: PcapngInterfaceSpec): bigint {
  const raw = spec.tsresol ?? 6;
  const exponent = BigInt(raw & 0x7f);
  const perSecond = (raw & 0x80) !== 0 ? 1n << exponent : 10n ** exponent;
  const seconds = BigInt(time.seconds - (spec.tsoffset ?? 0));
  if (seconds < 0n) throw new RangeError('time is before the interface tsoffset');
  return seconds * perSecond + (BigInt(time.nanoseconds) * perSecond) / 1_000_000_000n;
}

/** Streams a pcapng file: one section, the given interfaces, then packets. */
export class PcapngWriter {
  readonly options: PcapngWriterOptions;
  private readonly encoder: PcapngEncoder;
  private readonly sink: FileSink;

  private constructor(path: string, options: PcapngWriterOptions) {
    if (!Array.isArray(options.interfaces) || options.interfaces.length === 0) {
      throw new RangeError('options.interfaces must list at least one interface');
    }
    this.options = options;
    this.encoder = new PcapngEncoder(options.littleEndian ?? true);
    const head = [this.encoder.sectionHeader(), ...options.interfaces.map((i) => this.encoder.interfaceDescription(i))];
    this.sink = new FileSink(path);
    for (const b of head) this.sink.write(b);
  }

  static create(path: string, options: PcapngWriterOptions): PcapngWriter {
    return new PcapngWriter(path, options);
  }

  get bytesWritten(): number { return this.sink.written; }

  writeEnhanced(interfaceId: number, frame: Uint8Array, time: CaptureTime, originalLength = frame.length): void {
    const spec = this.options.interfaces[interfaceId];
    if (!spec) throw new RangeError(`interfaceId ${interfaceId} is not one of the ${this.options.interfaces.length} interfaces`);
    this.sink.write(this.encoder.enhancedPacket(interfaceId, spec, frame, time, originalLength));
  }

  writeSimple(frame: Uint8Array, originalLength = frame.length): void {
    this.sink.write(this.encoder.simplePacket(frame, originalLength));
  }

  /** Wraps the IP packet for the interface's link type and writes it as an EPB. */
  writePacket(interfaceId: number, ip: Uint8Array, time: CaptureTime, frameOptions?: FrameOptions): void {
    const spec = this.options.interfaces[interfaceId];
    if (!spec) throw new RangeError(`interfaceId ${interfaceId} is not one of the ${this.options.interfaces.length} interfaces`);
    this.writeEnhanced(interfaceId, frameForLink(spec.linkType, ip, frameOptions), time);
  }

  close(): void {
    this.sink.close();
  }
}
