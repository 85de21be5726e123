// Reader for the libpcap file format (draft-ietf-opsawg-pcap): a 24-byte file header, then
// records of a 16-byte header and the captured bytes, in the writer's byte order.
import { CaptureError } from './errors.js';
import type { FileSource } from './file-source.js';
import type { CaptureEnd, CaptureFrame, CaptureInterface, CaptureReader } from './frame.js';
import { frameTime } from './frame.js';
import { isSupportedLinkType } from './link.js';

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
const FILE_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;
/**
 * Our bound on one record's captured length. libpcap's own limit is a few hundred KiB; a
 * larger length means the file is corrupt, and reading it would allocate without limit.
 */
export const MAX_RECORD_LENGTH = 16 * 1024 * 1024;

/** draft-ietf-opsawg-pcap 4, Figure 2: FCS len (4 bits), R, P, Reserved3 (10 bits), LinkType (16 bits). */
const LINKTYPE_MASK = 0x0000ffff;
const FCS_PRESENT_BIT = 0x04000000;
const RESERVED_BITS = 0x0bff0000;

export interface PcapHeader {
  readonly littleEndian: boolean;
  readonly nanosecond: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snaplen: number;
  readonly linkType: number;
  /** Bytes of FCS per packet when the P bit says so, else 0. */
  readonly fcsLength: number;
}

/** The pcap magic of the first 4 bytes, or null when they are none of the four. */
export function pcapMagic(first4: Uint8Array): { littleEndian: boolean; nanosecond: boolean } | null {
  if (first4.length < 4) return null;
  const b = Buffer.from(first4.buffer, first4.byteOffset, 4);
  for (const littleEndian of [true, false]) {
    const m = littleEndian ? b.readUInt32LE(0) : b.readUInt32BE(0);
    if (m === PCAP_MAGIC_MICROS) return { littleEndian, nanosecond: false };
    if (m === PCAP_MAGIC_NANOS) return { littleEndian, nanosecond: true };
  }
  return null;
}

export interface ReaderOptions {
  /** Read frames of link types that decodeLink does not know (default false: CaptureError at open). */
  readonly allowAnyLinkType?: boolean;
}

export class PcapReader implements CaptureReader {
  readonly format = 'pcap' as const;
  readonly header: PcapHeader;
  readonly interfaces: readonly CaptureInterface[];
  private readonly source: FileSource;
  private frameNumber = 0;
  private ended: CaptureEnd | null = null;

  constructor(source: FileSource, options: ReaderOptions = {}) {
    this.source = source;
    this.header = readFileHeader(source);
    if (!options.allowAnyLinkType && !isSupportedLinkType(this.header.linkType)) {
      throw new CaptureError('unsupported-link-type', source.path,
        `link type ${this.header.linkType} is not one this tool decodes (Ethernet, raw IP, Linux cooked, BSD loopback); ` +
        'convert the capture with editcap or capture on another interface', 20);
    }
    this.interfaces = [{
      section: 0, id: 0, linkType: this.header.linkType, snaplen: this.header.snaplen, tsBase: 10,
      tsExponent: this.header.nanosecond ? 9 : 6, tsOffset: 0, fcsLength: this.header.fcsLength, name: null,
    }];
  }

  get path(): string { return this.source.path; }
  get totalBytes(): number { return this.source.size; }
  get bytesRead(): number { return this.source.position; }
  get end(): CaptureEnd | null { return this.ended; }

  next(): CaptureFrame | null {
    if (this.ended) return null;
    const at = this.source.position;
    const rh = this.source.read(RECORD_HEADER_LENGTH);
    if (rh.length === 0) return this.finish({ kind: 'eof' });
    if (rh.length < RECORD_HEADER_LENGTH) {
      return this.finish({ kind: 'truncated', offset: at, detail: `record header at offset ${at} has ${rh.length} of 16 bytes` });
    }
    const le = this.header.littleEndian;
    const u32 = (off: number): number => (le ? rh.readUInt32LE(off) : rh.readUInt32BE(off));
    const seconds = u32(0);
    const fraction = u32(4);
    const capturedLength = u32(8);
    const originalLength = u32(12);
    if (capturedLength > MAX_RECORD_LENGTH) {
      throw new CaptureError('corrupt', this.path, `record at offset ${at} claims ${capturedLength} captured bytes; the file is damaged`, at);
    }
    const data = this.source.read(capturedLength);
    if (data.length < capturedLength) {
      return this.finish({ kind: 'truncated', offset: at, detail: `record at offset ${at} has ${data.length} of ${capturedLength} bytes` });
    }
    const nanoseconds = this.header.nanosecond ? fraction : fraction * 1000;
    const iface = this.interfaces[0]!;
    return {
      number: ++this.frameNumber, ...frameTime(seconds, nanoseconds), hasTimestamp: true,
      capturedLength, originalLength, interface: iface, linkType: iface.linkType, data,
    };
  }

  [Symbol.iterator](): Iterator<CaptureFrame> {
    return { next: () => { const f = this.next(); return f ? { value: f, done: false } : { value: undefined, done: true }; } };
  }

  close(): void {
    this.source.close();
  }

  private finish(end: CaptureEnd): null {
    this.ended = end;
    return null;
  }
}

function readFileHeader(source: FileSource): PcapHeader {
  const h = source.read(FILE_HEADER_LENGTH);
  const magic = pcapMagic(h);
  if (!magic) throw new CaptureError('not-a-capture', source.path, 'does not start with a pcap magic number', 0);
  if (h.length < FILE_HEADER_LENGTH) {
    throw new CaptureError('truncated-header', source.path, `pcap file header has ${h.length} of 24 bytes; the file was cut short`, 0);
  }
  const le = magic.littleEndian;
  const u16 = (off: number): number => (le ? h.readUInt16LE(off) : h.readUInt16BE(off));
  const u32 = (off: number): number => (le ? h.readUInt32LE(off) : h.readUInt32BE(off));
  const versionMajor = u16(4);
  if (versionMajor !== 2) {
    throw new CaptureError('unsupported-version', source.path, `pcap version ${versionMajor}.${u16(6)} is not 2.x`, 4);
  }
  const linkField = u32(20);
  if ((linkField & RESERVED_BITS) !== 0) {
    // draft-ietf-opsawg-pcap 4: a reader SHOULD treat non-zero reserved bits as an error.
    throw new CaptureError('corrupt', source.path, `reserved bits set in the link-type field 0x${linkField.toString(16)}`, 20);
  }
  const fcsLength = (linkField & FCS_PRESENT_BIT) !== 0 ? (linkField >>> 28) * 2 : 0;
  return {
    littleEndian: le, nanosecond: magic.nanosecond, versionMajor, versionMinor: u16(6),
    snaplen: u32(16), linkType: linkField & LINKTYPE_MASK, fcsLength,
  };
}
