// Key exchange for the KE payload (RFC 7296 3.4) over node:crypto, in each group's IKE encoding:
// MODP values big-endian padded to the prime's length (RFC 7296 3.4), ECP points as x || y
// without SEC1's 0x04 octet and the shared secret as x alone (RFC 5903 7), Curve25519/448 as
// the raw u-coordinate (RFC 8031 2). Peer values are network input: checked, never thrown on.
import type { KeyObject } from 'node:crypto';
import { createDiffieHellman, createECDH, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, getDiffieHellman } from 'node:crypto';
import type { DhSpec } from './transforms.js';
import { dhSpec } from './transforms.js';

export type KeyExchangeFailure = 'bad-length' | 'invalid-point' | 'weak-key' | 'invalid-value';
export type ComputeSecretResult =
  | { readonly ok: true; readonly secret: Buffer }
  | { readonly ok: false; readonly reason: KeyExchangeFailure };

/** One ephemeral key pair; the private half never leaves the object. */
export interface KeyExchange {
  readonly group: number;
  /** The KE payload's Key Exchange Data. */
  readonly publicKey: Buffer;
  computeSecret(peer: Buffer): ComputeSecretResult;
}

/** A fresh key pair in `group`, or null for a group we do not implement. */
export function createKeyExchange(group: number): KeyExchange | null {
  return build(group, null);
}

/**
 * A key pair from a known private key, for test vectors (RFC 5903 8, RFC 7748 6): a MODP
 * exponent or ECP scalar big-endian, an X25519/X448 scalar as RFC 7748 writes it. Null for an
 * unknown group; throws on a private key node refuses (misuse, not network input).
 */
export function keyExchangeFromPrivate(group: number, privateKey: Buffer): KeyExchange | null {
  return build(group, privateKey);
}

function build(group: number, privateKey: Buffer | null): KeyExchange | null {
  const spec = dhSpec(group);
  if (spec === null) return null;
  switch (spec.kind) {
    case 'modp': return new ModpExchange(spec, privateKey);
    case 'ecp': return new EcpExchange(spec, privateKey);
    case 'montgomery': return new MontgomeryExchange(spec, privateKey);
  }
}

const fail = (reason: KeyExchangeFailure): ComputeSecretResult => ({ ok: false, reason });

/** Left-pads a big-endian value to `length` octets (node drops leading zero octets of DH values). */
function padTo(value: Buffer, length: number): Buffer {
  if (value.length >= length) return value;
  const out = Buffer.alloc(length);
  value.copy(out, length - value.length);
  return out;
}

class ModpExchange implements KeyExchange {
  readonly group: number;
  readonly publicKey: Buffer;
  readonly #spec: DhSpec;
  readonly #dh: ReturnType<typeof createDiffieHellman>;
  readonly #pMinus1: Buffer;

  constructor(spec: DhSpec, privateKey: Buffer | null) {
    this.group = spec.id;
    this.#spec = spec;
    // RFC 3526 3: the 2048-bit MODP group, generator 2; node ships it as 'modp14'.
    const prime = getDiffieHellman(spec.nodeName).getPrime();
    this.#dh = createDiffieHellman(prime, 2);
    if (privateKey !== null) this.#dh.setPrivateKey(privateKey);
    this.#dh.generateKeys();
    this.publicKey = padTo(this.#dh.getPublicKey(), spec.publicKeyLength);
    this.#pMinus1 = Buffer.from(prime);
    this.#pMinus1[this.#pMinus1.length - 1]! -= 1; // p is odd: no borrow
  }

  computeSecret(peer: Buffer): ComputeSecretResult {
    if (peer.length !== this.#spec.publicKeyLength) return fail('bad-length');
    // RFC 6989 2.1 (and RFC 7296 5): refuse y <= 1 and y >= p-1; equal-length big-endian
    // values compare as numbers.
    if (!greaterThanOne(peer) || Buffer.compare(peer, this.#pMinus1) >= 0) return fail('invalid-value');
    try {
      return { ok: true, secret: padTo(this.#dh.computeSecret(peer), this.#spec.sharedSecretLength) };
    } catch {
      return fail('invalid-value');
    }
  }
}

function greaterThanOne(value: Buffer): boolean {
  for (let i = 0; i < value.length - 1; i++) if (value[i] !== 0) return true;
  return value[value.length - 1]! > 1;
}

class EcpExchange implements KeyExchange {
  readonly group: number;
  readonly publicKey: Buffer;
  readonly #spec: DhSpec;
  readonly #ecdh: ReturnType<typeof createECDH>;

  constructor(spec: DhSpec, privateKey: Buffer | null) {
    this.group = spec.id;
    this.#spec = spec;
    this.#ecdh = createECDH(spec.nodeName);
    if (privateKey === null) this.#ecdh.generateKeys();
    else this.#ecdh.setPrivateKey(privateKey);
    // RFC 5903 7: x || y, without the SEC1 point-format octet 0x04 that node puts first.
    this.publicKey = this.#ecdh.getPublicKey().subarray(1);
  }

  computeSecret(peer: Buffer): ComputeSecretResult {
    if (peer.length !== this.#spec.publicKeyLength) return fail('bad-length');
    try {
      // OpenSSL refuses coordinates >= p and points off the curve (RFC 6989 2.3's checks).
      const secret = this.#ecdh.computeSecret(Buffer.concat([UNCOMPRESSED, peer]));
      return { ok: true, secret: padTo(secret, this.#spec.sharedSecretLength) };
    } catch {
      return fail('invalid-point');
    }
  }
}

const UNCOMPRESSED = Buffer.from([0x04]);

/** The "x" member of an OKP public key's JWK (RFC 8037 2). */
function jwkX(publicKey: KeyObject): string {
  const x = publicKey.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error('node:crypto exported an OKP public key without x');
  return x;
}

// PKCS#8 wrappers for raw X25519/X448 private keys (RFC 8410 7: OIDs 1.3.101.110 / 1.3.101.111),
// only for keyExchangeFromPrivate (test vectors); public values travel as JWK (jwkX).
const DER = {
  x25519: { pkcs8: Buffer.from('302e020100300506032b656e04220420', 'hex') },
  x448: { pkcs8: Buffer.from('3046020100300506032b656f043a0438', 'hex') },
} as const;

class MontgomeryExchange implements KeyExchange {
  readonly group: number;
  readonly publicKey: Buffer;
  readonly #spec: DhSpec;
  readonly #der: (typeof DER)['x25519'];
  readonly #privateKey: KeyObject;
  readonly #crv: 'X25519' | 'X448';

  constructor(spec: DhSpec, privateKey: Buffer | null) {
    this.group = spec.id;
    this.#spec = spec;
    const curve = spec.nodeName as 'x25519' | 'x448';
    this.#der = DER[curve];
    this.#crv = curve === 'x25519' ? 'X25519' : 'X448';
    let pair: { privateKey: KeyObject; publicKey: KeyObject };
    if (privateKey === null) {
      pair = curve === 'x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('x448');
    } else {
      if (privateKey.length !== spec.publicKeyLength) throw new RangeError(`privateKey must be ${spec.publicKeyLength} octets for ${spec.name}`);
      const key = createPrivateKey({ key: Buffer.concat([this.#der.pkcs8, privateKey]), format: 'der', type: 'pkcs8' });
      pair = { privateKey: key, publicKey: createPublicKey(key) };
    }
    this.#privateKey = pair.privateKey;
    // RFC 8037 2: a JWK's "x" is the raw public value, base64url; OpenSSL 3 encodes and decodes
    // JWK several times faster than DER (measured: the DER codec dominated an IKE handshake).
    this.publicKey = Buffer.from(jwkX(pair.publicKey), 'base64url');
  }

  computeSecret(peer: Buffer): ComputeSecretResult {
    if (peer.length !== this.#spec.publicKeyLength) return fail('bad-length');
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: { kty: 'OKP', crv: this.#crv, x: peer.toString('base64url') }, format: 'jwk' });
    } catch {
      return fail('invalid-point');
    }
    let secret: Buffer;
    try {
      secret = diffieHellman({ privateKey: this.#privateKey, publicKey });
    } catch {
      // OpenSSL refuses to derive the all-zero value a small-order point yields.
      return fail('weak-key');
    }
    // RFC 8031 2 (RFC 7748 6): an all-zero result must be refused; checked here too rather than
    // trusting the library's behaviour.
    return secret.every((b) => b === 0) ? fail('weak-key') : { ok: true, secret };
  }
}
