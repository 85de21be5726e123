// Opens a capture file of either format, recognised by its first four bytes.
import { CaptureError } from './errors.js';
import { DEFAULT_CHUNK_SIZE, FileSource } from './file-source.js';
import type { CaptureReader } from './frame.js';
import type { ReaderOptions } from './pcap-reader.js';
import { PcapReader, pcapMagic } from './pcap-reader.js';
import { BLOCK, PcapngReader } from './pcapng-reader.js';

export interface OpenCaptureOptions extends ReaderOptions {
  /** Bytes read from the file at a time (default 1 MiB). */
  readonly chunkSize?: number;
}

/**
 * Opens a pcap or pcapng file for streaming. Throws CaptureError when the file is missing,
 * unreadable, not a capture, has a truncated file header, or uses a link type we do not decode.
 */
export function openCapture(path: string, options: OpenCaptureOptions = {}): CaptureReader {
  const source = FileSource.open(path, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  try {
    return openSource(source, options);
  } catch (err) {
    source.close();
    throw err;
  }
}

function openSource(source: FileSource, options: ReaderOptions): CaptureReader {
  if (source.size === 0) throw new CaptureError('not-a-capture', source.path, 'is empty; a capture starts with a pcap or pcapng header', 0);
  const first = Buffer.from(source.peek(4));
  if (pcapMagic(first)) return new PcapReader(source, options);
  if (first.length === 4 && first.readUInt32BE(0) === BLOCK.SHB) return new PcapngReader(source, options);
  throw new CaptureError('not-a-capture', source.path,
    `starts with 0x${first.toString('hex')}, which is neither a pcap magic nor a pcapng section header; ` +
    'if it is another capture format, convert it with editcap -F pcapng', 0);
}
