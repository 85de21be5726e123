// A keyed ESP transform: one object per SA, created once, used for every packet.
// The implementation (createEspCipher) is added next to this interface.
import type { TransformSpec } from './transform-spec.js';

export interface EspCipher {
  readonly spec: TransformSpec;
  /** Bytes of IV carried on the wire after the ESP header (0 for NULL encryption). */
  readonly ivLength: number;
  /** Bytes of ICV at the end of the packet. */
  readonly icvLength: number;
  /** Payload + padding + 2 trailer bytes are padded to a multiple of this (RFC 4303 2.4: at least 4). */
  readonly alignment: number;
  /** True for combined-mode algorithms (RFC 4303 3.2.3): AES-GCM, ChaCha20-Poly1305, AES-GMAC. */
  readonly aead: boolean;
}
