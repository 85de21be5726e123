// Reader for pcapng (draft-ietf-opsawg-pcapng): blocks of type, total length, body, total
// length again; sections that each set their own byte order; interfaces described by IDBs;
// packets in Enhanced (EPB), Simple (SPB) and obsolete Packet (PB) blocks. Other block types
// are skipped by their length.
import { CaptureError } from './errors.js';
import type { FileSource } from './file-source.js';
import type { CaptureEnd, CaptureFrame, CaptureInterface, CaptureReader } from './frame.js';
import { frameTime } from './frame.js';
import { isSupportedLinkType } from './link.js';
import type { ReaderOptions } from './pcap-reader.js';

export const BLOCK = Object.freeze({
  SHB: 0x0a0d0d0a, // 4.1
  IDB: 0x00000001, // 4.2
  PB: 0x00000002, // Appendix A (obsolete)
  SPB: 0x00000003, // 4.4
  EPB: 0x00000006, // 4.3
});
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** IDB options (4.2, Table 3). */
export const OPTION = Object.freeze({ END: 0, IF_NAME: 2, IF_TSRESOL: 9, IF_TSOFFSET: 14 });
/** Our bound on one block; a larger length means damage, and reading it would allocate without limit. */
export const MAX_BLOCK_LENGTH = 16 * 1024 * 1024 + 64;

interface Block {
  readonly type: number;
  readonly offset: number;
  /** The block body (between the length fields). */
  readonly body: Buffer;
}

export class PcapngReader implements CaptureReader {
  readonly format = 'pcapng' as const;
  private readonly source: FileSource;
  private readonly options: ReaderOptions;
  private readonly all: CaptureInterface[] = [];
  private section: CaptureInterface[] = [];
  private sectionIndex = -1;
  private littleEndian = true;
  private frameNumber = 0;
  private ended: CaptureEnd | null = null;
  private lookahead: CaptureFrame | null;

  constructor(source: FileSource, options: ReaderOptions = {}) {
    this.source = source;
    this.options = options;
    // Read up to the first packet now, so the SHB and the IDBs in front of it are checked at open.
    this.lookahead = this.readFrame();
  }

  get path(): string { return this.source.path; }
  get totalBytes(): number { return this.source.size; }
  get bytesRead(): number { return this.source.position; }
  get end(): CaptureEnd | null { return this.lookahead ? null : this.ended; }
  get interfaces(): readonly CaptureInterface[] { return this.all; }

  next(): CaptureFrame | null {
    if (this.lookahead) {
      const f = this.lookahead;
      this.lookahead = null;
      return f;
    }
    return this.readFrame();
  }

  [Symbol.iterator](): Iterator<CaptureFrame> {
    return { next: () => { const f = this.next(); return f ? { value: f, done: false } : { value: undefined, done: true }; } };
  }

  close(): void {
    this.source.close();
  }

  private readFrame(): CaptureFrame | null {
    while (!this.ended) {
      const block = this.readBlock();
      if (!block) return null;
      const frame = this.handle(block);
      if (frame) return frame;
    }
    return null;
  }

  private handle(block: Block): CaptureFrame | null {
    switch (block.type) {
      case BLOCK.SHB: this.startSection(block); return null;
      case BLOCK.IDB: this.addInterface(block); return null;
      case BLOCK.EPB: return this.enhancedPacket(block);
      case BLOCK.SPB: return this.simplePacket(block);
      case BLOCK.PB: return this.obsoletePacket(block);
      default: return null; // 3.1: unknown blocks are skipped by their length
    }
  }

  /** Reads one whole block; null at the end of the file (clean, or truncated: see `end`). */
  private readBlock(): Block | null {
    const offset = this.source.position;
    const head = this.source.read(8);
    if (head.length === 0) return this.stop({ kind: 'eof' });
    if (head.length < 8) return this.stop({ kind: 'truncated', offset, detail: `block header at offset ${offset} has ${head.length} of 8 bytes` });
    if (this.u32(head, 0) === BLOCK.SHB) {
      // 4.1: the SHB type is a palindrome; its byte-order magic sets the order of the section.
      const magic = this.source.read(4);
      if (magic.length < 4) return this.stop({ kind: 'truncated', offset, detail: `section header at offset ${offset} is cut short` });
      this.littleEndian = this.sectionOrder(magic, offset);
      return this.readBody(BLOCK.SHB, offset, this.u32(head, 4), magic);
    }
    return this.readBody(this.u32(head, 0), offset, this.u32(head, 4), null);
  }

  private readBody(type: number, offset: number, total: number, prefix: Buffer | null): Block | null {
    if (total < 12 || total % 4 !== 0 || total > MAX_BLOCK_LENGTH) {
      throw this.corrupt(offset, `block of type 0x${type.toString(16)} at offset ${offset} has a bad total length ${total}`);
    }
    const expected = total - 8 - (prefix ? prefix.length : 0);
    const rest = this.source.read(expected);
    if (rest.length < expected) {
      return this.stop({ kind: 'truncated', offset, detail: `block at offset ${offset} has ${rest.length + 8} of ${total} bytes` });
    }
    const all = prefix ? Buffer.concat([prefix, rest]) : rest;
    const trailer = this.u32(all, all.length - 4);
    if (trailer !== total) {
      throw this.corrupt(offset, `block at offset ${offset}: trailing length ${trailer} differs from leading length ${total}`);
    }
    return { type, offset, body: all.subarray(0, all.length - 4) };
  }

  private sectionOrder(magic: Buffer, offset: number): boolean {
    if (magic.readUInt32LE(0) === BYTE_ORDER_MAGIC) return true;
    if (magic.readUInt32BE(0) === BYTE_ORDER_MAGIC) return false;
    throw this.corrupt(offset, `section header at offset ${offset} has no byte-order magic`);
  }

  private startSection(block: Block): void {
    if (block.body.length < 16) throw this.corrupt(block.offset, `section header at offset ${block.offset} is too short`);
    const major = this.u16(block.body, 4);
    if (major !== 1) {
      throw new CaptureError('unsupported-version', this.path,
        `pcapng section at offset ${block.offset} has major version ${major}, only 1 is defined`, block.offset);
    }
    this.sectionIndex++;
    this.section = [];
  }

  private addInterface(block: Block): void {
    const b = block.body;
    if (b.length < 8) throw this.corrupt(block.offset, `interface description at offset ${block.offset} is too short`);
    const linkType = this.u16(b, 0);
    if (!this.options.allowAnyLinkType && !isSupportedLinkType(linkType)) {
      throw new CaptureError('unsupported-link-type', this.path,
        `interface ${this.section.length} has link type ${linkType}, which this tool does not decode ` +
        '(Ethernet, raw IP, Linux cooked, BSD loopback); convert the capture with editcap', block.offset);
    }
    const iface: CaptureInterface = {
      section: this.sectionIndex, id: this.section.length, linkType, snaplen: this.u32(b, 4),
      tsBase: 10, tsExponent: 6, tsOffset: 0, fcsLength: 0, name: null, ...this.interfaceOptions(b.subarray(8)),
    };
    this.section.push(iface);
    this.all.push(iface);
  }

  /** 3.5: options are code, length, value padded to 4 bytes; a malformed tail is ignored. */
  private interfaceOptions(opts: Buffer): Partial<CaptureInterface> {
    const out: { tsBase?: 10 | 2; tsExponent?: number; tsOffset?: number; name?: string } = {};
    for (let off = 0; off + 4 <= opts.length;) {
      const code = this.u16(opts, off);
      const len = this.u16(opts, off + 2);
      if (code === OPTION.END || off + 4 + len > opts.length) break;
      const value = opts.subarray(off + 4, off + 4 + len);
      if (code === OPTION.IF_TSRESOL && len === 1) {
        // 4.2 if_tsresol: MSB 0 gives 10^-n seconds per unit, MSB 1 gives 2^-n.
        out.tsBase = (value[0]! & 0x80) !== 0 ? 2 : 10;
        out.tsExponent = value[0]! & 0x7f;
      } else if (code === OPTION.IF_TSOFFSET && len === 8) {
        out.tsOffset = Number(this.littleEndian ? value.readBigInt64LE(0) : value.readBigInt64BE(0));
      } else if (code === OPTION.IF_NAME) {
        out.name = value.toString('utf8').replace(/\0.*$/s, '');
      }
      off += 4 + len + ((4 - (len % 4)) % 4);
    }
    return out;
  }

  /** 4.3: interface ID, timestamp (high, low), captured length, original length, data. */
  private enhancedPacket(block: Block): CaptureFrame {
    const b = block.body;
    if (b.length < 20) throw this.corrupt(block.offset, `enhanced packet block at offset ${block.offset} is too short`);
    const iface = this.interfaceFor(this.u32(b, 0), block.offset);
    return this.packet(block, iface);
  }

  /** Appendix A: interface ID (16 bits), drops count (16 bits), then as the EPB. */
  private obsoletePacket(block: Block): CaptureFrame {
    const b = block.body;
    if (b.length < 20) throw this.corrupt(block.offset, `packet block at offset ${block.offset} is too short`);
    const iface = this.interfaceFor(this.u16(b, 0), block.offset);
    return this.packet(block, iface);
  }

  /** 4.4: original length, data; captured length is min(snaplen, original length, body). */
  private simplePacket(block: Block): CaptureFrame {
    const b = block.body;
    if (b.length < 4) throw this.corrupt(block.offset, `simple packet block at offset ${block.offset} is too short`);
    const iface = this.interfaceFor(0, block.offset);
    const originalLength = this.u32(b, 0);
    const snap = iface.snaplen === 0 ? Infinity : iface.snaplen;
    const capturedLength = Math.min(originalLength, snap, b.length - 4);
    return this.makeFrame(iface, b.subarray(4, 4 + capturedLength), originalLength, null);
  }

  /** EPB and PB share the layout from offset 4: timestamp high, low, captured and original length, data at 20. */
  private packet(block: Block, iface: CaptureInterface): CaptureFrame {
    const b = block.body;
    const capturedLength = this.u32(b, 12);
    const originalLength = this.u32(b, 16);
    if (20 + capturedLength > b.length) {
      throw this.corrupt(block.offset, `packet block at offset ${block.offset} claims ${capturedLength} bytes but holds ${b.length - 20}`);
    }
    const time = unitsToTime(this.u32(b, 4), this.u32(b, 8), iface);
    return this.makeFrame(iface, b.subarray(20, 20 + capturedLength), originalLength, time);
  }

  private makeFrame(iface: CaptureInterface, data: Buffer, originalLength: number, time: { seconds: number; nanoseconds: number } | null): CaptureFrame {
    return {
      number: ++this.frameNumber,
      ...frameTime(time?.seconds ?? 0, time?.nanoseconds ?? 0),
      hasTimestamp: time !== null,
      capturedLength: data.length,
      originalLength,
      interface: iface,
      linkType: iface.linkType,
      data,
    };
  }

  private interfaceFor(id: number, offset: number): CaptureInterface {
    const iface = this.section[id];
    if (!iface) {
      throw this.corrupt(offset, `packet at offset ${offset} refers to interface ${id}, but its section describes ${this.section.length}`);
    }
    return iface;
  }

  private stop(end: CaptureEnd): null {
    this.ended = end;
    return null;
  }

  private corrupt(offset: number, message: string): CaptureError {
    return new CaptureError('corrupt', this.path, `${message}; the file is damaged (try 'editcap' to salvage what precedes it)`, offset);
  }

  private u16(b: Buffer, off: number): number {
    return this.littleEndian ? b.readUInt16LE(off) : b.readUInt16BE(off);
  }

  private u32(b: Buffer, off: number): number {
    return this.littleEndian ? b.readUInt32LE(off) : b.readUInt32BE(off);
  }
}

/**
 * 4.3: the timestamp is a 64-bit count of units of the interface's resolution, plus
 * if_tsoffset seconds. Plain numbers are exact below 2^53 units (microseconds until the year
 * 2255); beyond, and for binary or sub-nanosecond resolutions, BigInt keeps it exact.
 */
export function unitsToTime(high: number, low: number, iface: CaptureInterface): { seconds: number; nanoseconds: number } {
  if (iface.tsBase === 10 && iface.tsExponent <= 9 && high < 0x200000) {
    const units = high * 0x100000000 + low;
    const perSecond = 10 ** iface.tsExponent;
    const seconds = Math.floor(units / perSecond);
    return { seconds: seconds + iface.tsOffset, nanoseconds: (units - seconds * perSecond) * 10 ** (9 - iface.tsExponent) };
  }
  const units = (BigInt(high) << 32n) | BigInt(low);
  const perSecond = iface.tsBase === 10 ? 10n ** BigInt(iface.tsExponent) : 1n << BigInt(iface.tsExponent);
  const seconds = units / perSecond;
  const fraction = units % perSecond;
  return { seconds: Number(seconds) + iface.tsOffset, nanoseconds: Number((fraction * 1_000_000_000n) / perSecond) };
}
