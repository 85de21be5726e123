// What an ESP SA protects with, as plain data. The keyed implementation lives in cipher.ts.

export type EncryptionAlgorithm =
  | 'aes-gcm' // RFC 4106, ICV 8/12/16, key 128/192/256 + 4-byte salt
  | 'chacha20-poly1305' // RFC 7634, 256-bit key + 4-byte salt, ICV 16
  | 'aes-gmac' // RFC 4543, NULL encryption, authentication only, key + 4-byte salt, ICV 16
  | 'aes-cbc' // RFC 3602, with an HMAC
  | 'aes-ctr' // RFC 3686, key + 4-byte nonce, with an HMAC
  | 'null'; // RFC 2410, with an HMAC

export type IntegrityAlgorithm =
  | 'hmac-sha1-96' // RFC 2404
  | 'hmac-sha256-128' // RFC 4868
  | 'hmac-sha384-192'
  | 'hmac-sha512-256'
  | 'none'; // only with combined-mode (AEAD) encryption

export interface TransformSpec {
  readonly encryption: EncryptionAlgorithm;
  /** AES key size in bits (without salt/nonce); ignored for ChaCha20 (always 256) and null. */
  readonly keyBits?: 128 | 192 | 256;
  /** ICV length in bytes for AES-GCM (8, 12 or 16); the others have a fixed ICV. */
  readonly icvLength?: 8 | 12 | 16;
  readonly integrity: IntegrityAlgorithm;
}

/**
 * Key material as IKEv2 derives it (RFC 7296 2.17) and Wireshark's esp_sa file writes it:
 * for AES-GCM, ChaCha20-Poly1305, AES-GMAC and AES-CTR the encryption key includes the
 * trailing 4-byte salt/nonce.
 */
export interface KeyMaterial {
  readonly encryptionKey: Uint8Array;
  readonly integrityKey: Uint8Array;
}

/** Bytes of salt or nonce at the end of the encryption key (RFC 4106 8.1, RFC 4543, RFC 7634 2, RFC 3686 5.1). */
export function saltLengthOf(encryption: EncryptionAlgorithm): number {
  return encryption === 'null' || encryption === 'aes-cbc' ? 0 : 4;
}
