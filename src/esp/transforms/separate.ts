// Encryption with separate integrity (RFC 4303 3.2.2): AES-CBC (RFC 3602), AES-CTR (RFC 3686)
// or NULL (RFC 2410), each with an HMAC. The ICV covers SPI || seq || IV || ciphertext
// (|| seq-hi with ESN, RFC 4303 3.3.2.1) and is checked before decrypting (RFC 4303 3.4.4).
import type { KeyObject } from 'node:crypto';
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import { u32, writeU32 } from '../../wire/bytes.js';
import type { HmacIcv } from './integrity.js';
import type { EspTransformOps } from './ops.js';
import { copySmall, ESP_HEADER_LENGTH, view } from './ops.js';
import { BLOCK, STAGING } from './scratch.js';

/** The encryption half: turns staged plaintext into ciphertext in the packet, and back. */
export interface Encryption {
  readonly ivLength: number;
  readonly alignment: number;
  readonly ivSource: EspTransformOps['ivSource'];
  readonly minCiphertext: number;
  readonly clearText: boolean;
  /** Writes the ciphertext of plaintext at packet[8 + ivLength]. */
  encrypt(packet: Buffer, plaintext: Buffer): void;
  /** Plaintext of packet[8 + ivLength, + length); `packet` itself for clear text (NULL). */
  decrypt(packet: Buffer, length: number): Buffer;
}

/** AES-CBC, RFC 3602: 16-byte random IV, blocks of 16, no cipher padding (ESP pads). */
export class CbcEncryption implements Encryption {
  // Constants on the prototype, not per SA (memory: a million SAs).
  get ivLength(): number { return 16; }
  /** RFC 3602: the plaintext is padded to the 16-byte AES block. */
  get alignment(): number { return 16; }
  /** RFC 3602: the IV MUST be random and unpredictable. */
  get ivSource(): 'random' { return 'random'; }
  get minCiphertext(): number { return 16; }
  get clearText(): boolean { return false; }
  private readonly name: string;
  private readonly key: KeyObject;

  constructor(keyBits: number, key: Uint8Array) {
    this.name = `aes-${keyBits}-cbc`;
    this.key = createSecretKey(key);
  }

  /** The packet's IV, copied into shared scratch (node copies it again on init). */
  private ivOf(packet: Buffer): Buffer {
    copySmall(packet, ESP_HEADER_LENGTH, BLOCK, 0, 16);
    return BLOCK;
  }

  encrypt(packet: Buffer, plaintext: Buffer): void {
    const c = createCipheriv(this.name, this.key, this.ivOf(packet)).setAutoPadding(false);
    packet.set(c.update(plaintext), ESP_HEADER_LENGTH + 16);
    c.final();
  }

  decrypt(packet: Buffer, length: number): Buffer {
    const start = ESP_HEADER_LENGTH + 16;
    const d = createDecipheriv(this.name, this.key, this.ivOf(packet)).setAutoPadding(false);
    return d.update(view(packet, start, start + length)); // whole blocks: final() adds nothing
  }
}

/** AES-CTR, RFC 3686: key material = key || 4-byte nonce; counter block = nonce || IV || 1. */
export class CtrEncryption implements Encryption {
  get ivLength(): number { return 8; }
  get alignment(): number { return 4; }
  /** RFC 3686: the IV must be unique for the key; the sequence number is. */
  get ivSource(): 'sequence' { return 'sequence'; }
  get minCiphertext(): number { return 2; }
  get clearText(): boolean { return false; }
  private readonly name: string;
  private readonly key: KeyObject;
  private readonly nonce: number;

  /** keyMaterial = AES key || nonce; the caller has checked its length. */
  constructor(keyBits: number, keyMaterial: Uint8Array) {
    this.name = `aes-${keyBits}-ctr`;
    this.key = createSecretKey(keyMaterial.subarray(0, keyBits / 8));
    this.nonce = u32(keyMaterial, keyBits / 8);
  }

  /** RFC 3686 4: nonce (4) || IV (8) || block counter (4) starting at 1, in shared scratch. */
  private counter(packet: Buffer): Buffer {
    writeU32(BLOCK, 0, this.nonce);
    copySmall(packet, ESP_HEADER_LENGTH, BLOCK, 4, 8);
    writeU32(BLOCK, 12, 1);
    return BLOCK;
  }

  encrypt(packet: Buffer, plaintext: Buffer): void {
    const c = createCipheriv(this.name, this.key, this.counter(packet));
    packet.set(c.update(plaintext), ESP_HEADER_LENGTH + 8);
  }

  decrypt(packet: Buffer, length: number): Buffer {
    const start = ESP_HEADER_LENGTH + 8;
    return createDecipheriv(this.name, this.key, this.counter(packet)).update(view(packet, start, start + length));
  }
}

/** NULL encryption, RFC 2410: no IV, block size 1 (so RFC 4303 2.4's 4-byte alignment), clear text. */
export class NullEncryption implements Encryption {
  get ivLength(): number { return 0; }
  get alignment(): number { return 4; }
  get ivSource(): 'none' { return 'none'; }
  get minCiphertext(): number { return 2; }
  get clearText(): boolean { return true; }

  encrypt(): void {
    // RFC 2410: the ciphertext is the plaintext, already in place (clearText).
  }

  decrypt(packet: Buffer): Buffer {
    return packet; // RFC 2410: NULL changes nothing; the plaintext is packet[8, 8 + length)
  }
}

/** Encrypt-then-MAC: RFC 4303 3.3.2.1 (outbound) and 3.4.4 (inbound, ICV first). */
export class SeparateTransform implements EspTransformOps {
  constructor(private readonly encryption: Encryption, private readonly integrity: HmacIcv) {}

  // Read through to the halves: two fields per SA instead of eight.
  get ivLength(): number { return this.encryption.ivLength; }
  get icvLength(): number { return this.integrity.icvLength; }
  get alignment(): number { return this.encryption.alignment; }
  get aead(): boolean { return false; }
  get ivSource(): EspTransformOps['ivSource'] { return this.encryption.ivSource; }
  get minCiphertext(): number { return this.encryption.minCiphertext; }
  get clearText(): boolean { return this.encryption.clearText; }

  staging(length: number): Buffer {
    return STAGING.view(length);
  }

  seal(packet: Buffer, plaintextLength: number, esn: boolean, seqHi: number): void {
    if (!this.clearText) this.encryption.encrypt(packet, STAGING.view(plaintextLength));
    const icvOffset = ESP_HEADER_LENGTH + this.ivLength + plaintextLength;
    this.integrity.sign(view(packet, 0, icvOffset), esn, seqHi, packet, icvOffset);
  }

  open(packet: Buffer, ciphertextLength: number, esn: boolean, seqHi: number): Buffer | null {
    const icvOffset = ESP_HEADER_LENGTH + this.ivLength + ciphertextLength;
    if (!this.integrity.verify(view(packet, 0, icvOffset), esn, seqHi, packet, icvOffset)) return null;
    return this.encryption.decrypt(packet, ciphertextLength);
  }
}
