// Sequential reads from a file through a file descriptor, a chunk at a time, so a capture of
// many gigabytes never has to fit in memory. Views handed out stay valid: every refill
// allocates a fresh chunk instead of overwriting the previous one.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CaptureError } from './errors.js';

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

export class FileSource {
  readonly path: string;
  readonly size: number;
  private fd: number | null;
  private readonly chunkSize: number;
  private chunk: Buffer = Buffer.alloc(0);
  private chunkPos = 0;
  /** File offset of chunk[0]. */
  private chunkStart = 0;

  private constructor(path: string, fd: number, size: number, chunkSize: number) {
    this.path = path;
    this.fd = fd;
    this.size = size;
    this.chunkSize = chunkSize;
  }

  /** Opens `path` for reading; a missing or unreadable file is a CaptureError. */
  static open(path: string, chunkSize = DEFAULT_CHUNK_SIZE): FileSource {
    if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string');
    if (!Number.isInteger(chunkSize) || chunkSize < 16) throw new RangeError(`chunkSize must be an integer >= 16, got ${chunkSize}`);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw openError(path, err);
    }
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      closeSync(fd);
      throw new CaptureError('file-unreadable', path, 'is not a regular file; give the path of a .pcap or .pcapng file');
    }
    return new FileSource(path, fd, stat.size, chunkSize);
  }

  /** Bytes consumed so far (the offset of the next read). */
  get position(): number {
    return this.chunkStart + this.chunkPos;
  }

  /** The next n bytes as a view; shorter than n only at the end of the file. */
  read(n: number): Buffer {
    if (this.chunk.length - this.chunkPos < n) this.refill(n);
    const start = this.chunkPos;
    this.chunkPos = Math.min(this.chunk.length, start + n);
    return this.chunk.subarray(start, this.chunkPos);
  }

  /** The next n bytes (fewer at the end of the file) without consuming them. */
  peek(n: number): Buffer {
    const view = this.read(n);
    this.chunkPos -= view.length;
    return view;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private readAt(into: Buffer, at: number, fileOffset: number): number {
    try {
      return readSync(this.fd!, into, at, into.length - at, fileOffset);
    } catch (err) {
      throw readError(this.path, err);
    }
  }

  private refill(n: number): void {
    if (this.fd === null) throw new CaptureError('closed', this.path, 'read after close');
    const rest = this.chunk.subarray(this.chunkPos);
    const next = Buffer.allocUnsafe(Math.max(this.chunkSize, n));
    rest.copy(next, 0);
    let filled = rest.length;
    const fileOffset = this.position + rest.length;
    while (filled < next.length) {
      const got = this.readAt(next, filled, fileOffset + (filled - rest.length));
      if (got === 0) break;
      filled += got;
    }
    this.chunkStart = this.position;
    this.chunk = next.subarray(0, filled);
    this.chunkPos = 0;
  }
}

function readError(path: string, err: unknown): CaptureError {
  const code = (err as NodeJS.ErrnoException).code;
  return new CaptureError('file-unreadable', path, `read failed (${code ?? String(err)}); check the disk and the file`, null, err);
}

function openError(path: string, err: unknown): CaptureError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CaptureError('file-not-found', path, 'no such file; check the path', null, err);
  if (code === 'EACCES' || code === 'EPERM') {
    return new CaptureError('file-unreadable', path, 'permission denied; check the file permissions or run with access to it', null, err);
  }
  if (code === 'EISDIR') return new CaptureError('file-unreadable', path, 'is a directory; give the path of a capture file', null, err);
  return new CaptureError('file-unreadable', path, `cannot be opened (${code ?? String(err)})`, null, err);
}
