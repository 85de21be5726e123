// Errors of capture files: the file is missing, unreadable, not a capture, or damaged in a way
// that stops reading. Each has a stable code for programs and a message for people that says
// what is wrong and what to do.

export type CaptureErrorCode =
  | 'file-not-found'
  | 'file-unreadable'
  | 'file-unwritable'
  | 'not-a-capture'
  | 'truncated-header'
  | 'unsupported-version'
  | 'unsupported-link-type'
  | 'corrupt'
  | 'closed';

export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  readonly code: CaptureErrorCode;
  readonly path: string;
  /** Byte offset in the file where the problem was found, when there is one. */
  readonly offset: number | null;

  constructor(code: CaptureErrorCode, path: string, message: string, offset: number | null = null, cause?: unknown) {
    super(`${path}: ${message}`, cause === undefined ? undefined : { cause });
    this.code = code;
    this.path = path;
    this.offset = offset;
  }
}
