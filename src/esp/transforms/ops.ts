// The packet-level operations every ESP transform implements. encapsulate.ts and
// decapsulate.ts own the packet layout and the checks; a transform only turns plaintext
// into ciphertext + ICV and back. Layout (RFC 4303 2):
//
//   0        4        8             8+iv                      8+iv+ct        end
//   | SPI    | seqLo  | IV          | ciphertext of payload || | ICV          |
//   |        |        |             | padding || padLen || nh  |              |

/** Bytes of SPI and sequence number in front of every ESP packet (RFC 4303 2.1, 2.2). */
export const ESP_HEADER_LENGTH = 8;

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
   * True when the plaintext travels in clear (NULL encryption, AES-GMAC): open() then returns
   * the packet itself instead of a decrypted copy.
   */
  readonly clearText: boolean;
  /**
   * Low level (use encapsulate()): `packet` holds SPI, sequence number, IV and, after the IV,
   * the plaintext of `plaintextLength` bytes. Replaces the plaintext by its ciphertext (same
   * length) and writes the ICV at the end of `packet`.
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

/** Copies n bytes; for the few-byte copies of the hot path a loop beats Buffer.copy's call overhead. */
export function copySmall(from: Uint8Array, fromOffset: number, to: Uint8Array, toOffset: number, n: number): void {
  for (let i = 0; i < n; i++) to[toOffset + i] = from[fromOffset + i]!;
}
