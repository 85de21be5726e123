// The Encrypted payload (RFC 7296 3.14) and the Encrypted Fragment payload (RFC 7383 2.5):
//
//   IKE header | Next Payload | C | RESERVED | Payload Length | [Fragment Number | Total Fragments]
//              | IV | Encrypted( inner payloads | Padding | Pad Length ) | ICV
//
// With AES-CBC the ICV is the truncated HMAC of everything from the IKE header through the
// (encrypted) Pad Length, checked before decrypting (RFC 7296 3.14). With an AEAD the ICV is
// the tag, the nonce is salt || IV and the AAD is the message from the IKE header through the
// payload's generic header (RFC 5282 5.1, RFC 7634 4; for SKF through Total Fragments, RFC 7383 2.5).
import type { CipherGCMTypes, KeyObject } from 'node:crypto';
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import { writeU16 } from '../../wire/bytes.js';
import type { IkeHeaderFields } from '../message/header.js';
import { encodeHeader, IKE_HEADER_LENGTH } from '../message/header.js';
import { PAYLOAD } from '../message/numbers.js';
import type { EncrSpec, IntegSpec } from './transforms.js';

/** One direction's keys: SK_ei/SK_ai for what the initiator sends, SK_er/SK_ar for the responder. */
export interface SkKeys {
  readonly encr: EncrSpec;
  /** SK_e: key || salt for the AEADs. */
  readonly encKey: Uint8Array;
  /** Null with an AEAD. */
  readonly integ: IntegSpec | null;
  /** SK_a; null (or empty) with an AEAD. */
  readonly integKey: Uint8Array | null;
}

/** RFC 7383 2.5: the fields an SKF payload adds after its generic header. */
export interface FragmentFields {
  readonly fragmentNumber: number;
  readonly totalFragments: number;
}

export type SkOpenFailure = 'too-short' | 'icv-mismatch' | 'bad-padding';
export type SkOpenResult =
  | { readonly ok: true; readonly inner: Buffer; readonly firstInnerType: number }
  | { readonly ok: false; readonly reason: SkOpenFailure };

/** Where the SK payload sits in the message, as the message codec reports it (SkPayload). */
export interface SealedSk {
  /** Offset of the payload's generic header in `raw`. */
  readonly offset: number;
  /** IV || ciphertext || ICV. */
  readonly body: Buffer;
  readonly firstInnerType: number;
}

const GENERIC_HEADER_LENGTH = 4;
const SKF_HEADER_LENGTH = 8;

/** The shared surface of node's GCM and ChaCha20-Poly1305 objects (see src/esp/transforms/aead.ts). */
interface AeadCipher { setAAD(data: Uint8Array): unknown; update(data: Uint8Array): Buffer; final(): Buffer; getAuthTag(): Buffer }
interface AeadDecipher { setAAD(data: Uint8Array): unknown; setAuthTag(tag: Uint8Array): unknown; update(data: Uint8Array): Buffer; final(): Buffer }

// The casts: @types/node types ChaCha20-Poly1305's setAAD options as required, but node reads
// them for CCM only, so the GCM-shaped surface is accurate (as in src/esp/transforms/aead.ts).
function aeadCipher(encr: EncrSpec, key: KeyObject, nonce: Buffer, options: { authTagLength: number }): AeadCipher {
  if (encr.cipher === 'chacha20-poly1305') return createCipheriv('chacha20-poly1305', key, nonce, options) as unknown as AeadCipher;
  return createCipheriv(encr.cipher as CipherGCMTypes, key, nonce, options);
}

function aeadDecipher(encr: EncrSpec, key: KeyObject, nonce: Buffer, options: { authTagLength: number }): AeadDecipher {
  if (encr.cipher === 'chacha20-poly1305') return createDecipheriv('chacha20-poly1305', key, nonce, options) as unknown as AeadDecipher;
  return createDecipheriv(encr.cipher as CipherGCMTypes, key, nonce, options);
}

/** The keyed transform shared by sealer and opener. Throws on keys of the wrong size (misuse). */
class SkTransform {
  readonly encr: EncrSpec;
  readonly integ: IntegSpec | null;
  readonly icvLength: number;
  protected readonly cipherKey: KeyObject;
  protected readonly salt: Buffer;
  protected readonly integKey: KeyObject | null;

  constructor(keys: SkKeys) {
    const { encr, integ } = keys;
    if (keys.encKey.length !== encr.keymatLength) throw new RangeError(`encKey must be ${encr.keymatLength} octets for ${encr.name}, got ${keys.encKey.length}`);
    if ((encr.kind === 'aead') !== (integ === null)) throw new RangeError(`${encr.name} ${encr.kind === 'aead' ? 'takes no' : 'needs an'} integrity transform`);
    this.encr = encr;
    this.integ = integ;
    this.cipherKey = createSecretKey(Buffer.from(keys.encKey.subarray(0, encr.keyLength)));
    this.salt = Buffer.from(keys.encKey.subarray(encr.keyLength));
    if (integ === null) {
      this.integKey = null;
      this.icvLength = encr.icvLength;
    } else {
      if (keys.integKey === null || keys.integKey.length !== integ.keyLength) throw new RangeError(`integKey must be ${integ.keyLength} octets for ${integ.name}`);
      this.integKey = createSecretKey(Buffer.from(keys.integKey));
      this.icvLength = integ.icvLength;
    }
  }

  /** RFC 7296 3.14: truncated HMAC over header .. Pad Length, given as consecutive pieces. */
  protected mac(...parts: Uint8Array[]): Buffer {
    const h = createHmac(this.integ!.hash, this.integKey!);
    for (const p of parts) h.update(p);
    return h.digest().subarray(0, this.icvLength);
  }

  /** RFC 5282 4 / RFC 7634 2: nonce = salt || IV. */
  protected nonce(iv: Uint8Array): Buffer {
    return Buffer.concat([this.salt, iv]);
  }

  protected aeadOptions(): { authTagLength: number } {
    return { authTagLength: this.icvLength };
  }
}

export interface SkSealerOptions {
  /** First AEAD IV counter value (default 1); lets tests reach the end of the counter. */
  readonly firstCounter?: bigint;
}

const COUNTER_LIMIT = (1n << 64n) - 1n;

/** Seals messages for one direction of an IKE SA. */
export class SkSealer extends SkTransform {
  #counter: bigint;

  constructor(keys: SkKeys, options: SkSealerOptions = {}) {
    super(keys);
    const first = options.firstCounter ?? 1n;
    if (first < 0n || first > COUNTER_LIMIT) throw new RangeError('firstCounter must fit in 64 bits');
    this.#counter = first;
  }

  /** The whole protected message: `header` (Next Payload forced to SK) and one SK payload holding `inner`. */
  seal(header: IkeHeaderFields, firstInnerType: number, inner: Buffer): Buffer {
    return this.#seal(header, PAYLOAD.SK, firstInnerType, null, inner);
  }

  /** One RFC 7383 fragment message: `header` (Next Payload forced to SKF) and an SKF payload holding `chunk`. */
  sealFragment(header: IkeHeaderFields, firstInnerType: number, fragment: FragmentFields, chunk: Buffer): Buffer {
    const { fragmentNumber: n, totalFragments: total } = fragment;
    // RFC 7383 2.5: numbers start at 1 and none exceeds Total Fragments.
    if (!Number.isInteger(n) || !Number.isInteger(total) || n < 1 || n > total || total > 0xffff) {
      throw new RangeError(`fragment ${n} of ${total} is not a valid RFC 7383 numbering`);
    }
    return this.#seal(header, PAYLOAD.SKF, firstInnerType, fragment, chunk);
  }

  /** Octets the SK payload adds to `innerLength` octets of inner payloads (for fragment sizing). */
  overhead(innerLength: number, fragment = false): number {
    return (fragment ? SKF_HEADER_LENGTH : GENERIC_HEADER_LENGTH) + this.encr.ivLength + padLengthFor(innerLength, this.encr.blockSize) + 1 + this.icvLength;
  }

  #seal(header: IkeHeaderFields, payloadType: number, firstInnerType: number, fragment: FragmentFields | null, inner: Buffer): Buffer {
    const padLength = padLengthFor(inner.length, this.encr.blockSize);
    const payloadLength = this.overhead(inner.length, fragment !== null) + inner.length;
    if (payloadLength > 0xffff) throw new RangeError(`inner payloads of ${inner.length} octets do not fit one Encrypted payload`);
    const aad = Buffer.concat([
      encodeHeader({ ...header, nextPayload: payloadType }, IKE_HEADER_LENGTH + payloadLength),
      genericHeader(firstInnerType, payloadLength, fragment),
    ]);
    // RFC 7296 3.14: Padding MAY hold any value; zeros. Pad Length is the last plaintext octet.
    const plaintext = Buffer.alloc(inner.length + padLength + 1);
    inner.copy(plaintext, 0);
    plaintext[plaintext.length - 1] = padLength;
    return this.encr.kind === 'cbc' ? this.#sealCbc(aad, plaintext) : this.#sealAead(aad, plaintext);
  }

  #sealCbc(aad: Buffer, plaintext: Buffer): Buffer {
    // RFC 7296 3.14: the CBC IV MUST be chosen at random and be unpredictable.
    const iv = randomBytes(this.encr.ivLength);
    const cipher = createCipheriv(this.encr.cipher as string, this.cipherKey, iv).setAutoPadding(false);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([aad, iv, ciphertext, this.mac(aad, iv, ciphertext)]);
  }

  #sealAead(aad: Buffer, plaintext: Buffer): Buffer {
    const iv = this.#nextIv();
    const cipher = aeadCipher(this.encr, this.cipherKey, this.nonce(iv), this.aeadOptions());
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([aad, iv, ciphertext, cipher.getAuthTag()]);
  }

  /** RFC 5282 3.1 / RFC 7634 4: the IV must never repeat under one key; a counter cannot. */
  #nextIv(): Buffer {
    if (this.#counter > COUNTER_LIMIT) throw new RangeError('AEAD IV counter exhausted: rekey the IKE SA');
    const iv = Buffer.alloc(8);
    iv.writeBigUInt64BE(this.#counter);
    this.#counter += 1n;
    return iv;
  }
}

/** Opens messages for one direction of an IKE SA. Never throws on network input. */
export class SkOpener extends SkTransform {
  open(raw: Buffer, sk: SealedSk): SkOpenResult {
    return this.#open(raw, sk, GENERIC_HEADER_LENGTH);
  }

  /** The same for an SKF payload (RFC 7383 2.5); its header is 8 octets, all in the AAD/ICV. */
  openFragment(raw: Buffer, skf: SealedSk): SkOpenResult {
    return this.#open(raw, skf, SKF_HEADER_LENGTH);
  }

  #open(raw: Buffer, sk: SealedSk, headerLength: number): SkOpenResult {
    const aadEnd = sk.offset + headerLength;
    if (!Number.isInteger(sk.offset) || sk.offset < 0 || aadEnd > raw.length) return fail('too-short');
    const aad = raw.subarray(0, aadEnd);
    const { body } = sk;
    const ivLength = this.encr.ivLength;
    const ctLength = body.length - ivLength - this.icvLength;
    // At least one block (CBC) or the Pad Length octet (AEAD) must be there.
    if (ctLength < this.encr.blockSize) return fail('too-short');
    const iv = body.subarray(0, ivLength);
    const ciphertext = body.subarray(ivLength, ivLength + ctLength);
    const icv = body.subarray(ivLength + ctLength);
    const plaintext = this.encr.kind === 'cbc' ? this.#openCbc(aad, iv, ciphertext, icv) : this.#openAead(aad, iv, ciphertext, icv);
    if (typeof plaintext === 'string') return fail(plaintext);
    // RFC 7296 3.14: any Pad Length is accepted as long as it fits.
    const padLength = plaintext[plaintext.length - 1]!;
    if (padLength + 1 > plaintext.length) return fail('bad-padding');
    return { ok: true, inner: plaintext.subarray(0, plaintext.length - padLength - 1), firstInnerType: sk.firstInnerType };
  }

  #openCbc(aad: Buffer, iv: Buffer, ciphertext: Buffer, icv: Buffer): Buffer | SkOpenFailure {
    // RFC 7296 3.14: integrity first; nothing unauthenticated reaches the cipher.
    const expected = this.mac(aad, iv, ciphertext);
    if (!timingSafeEqual(expected, icv)) return 'icv-mismatch';
    // Authentic but not whole blocks: the sender's padding is wrong.
    if (ciphertext.length % this.encr.blockSize !== 0) return 'bad-padding';
    const decipher = createDecipheriv(this.encr.cipher as string, this.cipherKey, iv).setAutoPadding(false);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  }

  #openAead(aad: Buffer, iv: Buffer, ciphertext: Buffer, icv: Buffer): Buffer | SkOpenFailure {
    try {
      const decipher = aeadDecipher(this.encr, this.cipherKey, this.nonce(iv), this.aeadOptions());
      decipher.setAAD(aad);
      decipher.setAuthTag(icv);
      const plaintext = decipher.update(ciphertext);
      // final() throws when the tag does not verify; the plaintext is discarded with it.
      return Buffer.concat([plaintext, decipher.final()]);
    } catch {
      return 'icv-mismatch';
    }
  }
}

/** RFC 7296 3.14: the fewest padding octets making inner || Padding || Pad Length whole blocks. */
function padLengthFor(innerLength: number, blockSize: number): number {
  return (blockSize - ((innerLength + 1) % blockSize)) % blockSize;
}

function genericHeader(firstInnerType: number, payloadLength: number, fragment: FragmentFields | null): Buffer {
  const out = Buffer.alloc(fragment === null ? GENERIC_HEADER_LENGTH : SKF_HEADER_LENGTH);
  out[0] = firstInnerType; // octet 1: C bit and RESERVED stay 0 (RFC 7296 3.2)
  writeU16(out, 2, payloadLength);
  if (fragment !== null) {
    writeU16(out, 4, fragment.fragmentNumber);
    writeU16(out, 6, fragment.totalFragments);
  }
  return out;
}

function fail(reason: SkOpenFailure): SkOpenResult {
  return { ok: false, reason };
}
