// The packet-level operations every ESP transform implements. encapsulate.ts and
// decapsulate.ts own the packet layout and the checks; a transform only turns plaintext
// into ciphertext + ICV and back. Layout (RFC 4303 2):
//
//   0        4        8             8+iv                      8+iv+ct        end
//   | SPI    | seqLo  | IV          | ciphertext of payload || | ICV          |
//   |        |        |             | padding || padLen || nh  |              |

import { ESP_HEADER_LENGTH } from '../../packet/esp-header.js';

/** Bytes of SPI and sequence number in front of every ESP packet (RFC 4303 2.1, 2.2). */
export { ESP_HEADER_LENGTH };

export interface EspTransformOps {
  /** Bytes of IV carried on the wire after the ESP header (0 for NULL encryption). */
  readonly ivLength: number;
  /** Bytes of ICV at the end of the packet. */
  readonly icvLength: number;
  /** Payload + padding + 2 trailer bytes are padded to a multiple of this (RFC 4303 2.4: at least 4). */
  readonly alignment: number;
  /** True for combined-mode algorithms (RFC 4303 3.2.3): AES-GCM, ChaCha20-Poly1305, AES-GMAC. */
  readonly aead: boolean;
  /**
   * What encapsulate() puts in the IV field when the caller gives no IV: the 64-bit sequence
   * number for counter-based modes (RFC 4106 3.1, RFC 7634 2: unique per key is enough), fresh
   * random bytes for CBC (RFC 3602: unpredictable), nothing when there is no IV.
   */
  readonly ivSource: 'sequence' | 'random' | 'none';
  /** Fewest ciphertext bytes a packet can carry: the 2 trailer bytes, or one block for CBC. */
  readonly minCiphertext: number;
  /**
   * True when the plaintext travels in clear (NULL encryption, AES-GMAC): encapsulate writes it
   * straight after the IV, and open() returns the packet itself instead of a decrypted copy.
   */
  readonly clearText: boolean;
  /**
   * For transforms that encrypt: the per-SA scratch of exactly `length` bytes where
   * encapsulate writes the plaintext for the next seal(), which reads it synchronously. (A
   * view of the last length is kept: creating a Buffer view per packet costs more than the
   * copy into scratch.)
   */
  staging(length: number): Buffer;
  /**
   * Low level (use encapsulate()): `packet` holds SPI, sequence number and IV; the plaintext of
   * `plaintextLength` bytes is in staging() (or, for clearText, already after the IV). Writes
   * the ciphertext after the IV and the ICV at the end of `packet`.
   */
  seal(packet: Buffer, plaintextLength: number, esn: boolean, seqHi: number): void;
  /**
   * Low level (use decapsulate()): checks the ICV of a packet whose lengths the caller has
   * checked. Returns the plaintext (payload || padding || pad length || next header) as a
   * fresh buffer, or, for clearText transforms, `packet` itself (the plaintext is then at
   * packet[8 + ivLength, + ciphertextLength)); null when the ICV does not verify. Never throws.
   */
  open(packet: Buffer, ciphertextLength: number, esn: boolean, seqHi: number): Buffer | null;
}

const EMPTY = Buffer.alloc(0);

/**
 * A growable per-SA scratch buffer that keeps its last view (consecutive packets often share a
 * size). Allocated on first use, so inbound SAs, which never seal, carry none.
 */
export class Staging {
  private buf = EMPTY;
  private last = EMPTY;

  view(length: number): Buffer {
    if (length === this.last.length) return this.last;
    if (length > this.buf.length) this.buf = Buffer.allocUnsafeSlow(Math.max(length, 2 * this.buf.length, 2048));
    this.last = this.buf.subarray(0, length);
    return this.last;
  }
}

// Views on the hot path. With arguments that vary per packet (node 20, our test machine):
// Buffer#subarray ~95 ns, Buffer.from(arrayBuffer, offset, length) ~65 ns, a plain Uint8Array
// view ~35 ns. node:crypto takes any ArrayBufferView, so inputs to it are plain views; only
// what we hand back to callers (packets, payloads) needs to be a Buffer.

/** buf[start, end) as a plain Uint8Array view, for node:crypto inputs. */
export function view(buf: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
}

/** buf[start, end) as a Buffer view (no copy). */
export function bufferView(buf: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
}

/** Copies n bytes; for the few-byte copies of the hot path a loop beats Buffer.copy's call overhead. */
export function copySmall(from: Uint8Array, fromOffset: number, to: Uint8Array, toOffset: number, n: number): void {
  for (let i = 0; i < n; i++) to[toOffset + i] = from[fromOffset + i]!;
}

/**
 * Runs an AEAD decipher's final(), which throws when the tag does not verify. Returns false
 * then. The stack trace of that throw is not captured: a flood of forged packets would
 * otherwise pay about 2 µs each for a trace nobody reads.
 */
export function finalVerifies(decipher: { final(): Buffer }): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    decipher.final();
    return true;
  } catch {
    return false;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
