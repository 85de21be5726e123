// Certificates and private keys from file bytes, through node:crypto only. Never throws;
// messages say what is wrong with the file, never its content.
import type { KeyObject } from 'node:crypto';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';

export type Loaded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function certificate(bytes: Buffer | string): X509Certificate | null {
  try {
    return new X509Certificate(bytes);
  } catch {
    return null;
  }
}

/** Every certificate in a PEM file (a chain: end entity first), or one DER certificate; as DER. */
export function certificatesOf(bytes: Buffer): Loaded<readonly Buffer[]> {
  const text = bytes.toString('latin1');
  const blocks = text.match(PEM_CERTIFICATE);
  if (blocks === null) {
    if (text.includes('-----BEGIN')) return { ok: false, message: 'expected a certificate (-----BEGIN CERTIFICATE-----), got another kind of PEM block (a key?)' };
    const der = certificate(bytes);
    return der === null ? { ok: false, message: 'expected a certificate in PEM (or DER), got neither' } : { ok: true, value: [Buffer.from(der.raw)] };
  }
  const out: Buffer[] = [];
  for (const [i, block] of blocks.entries()) {
    const cert = certificate(block);
    if (cert === null) return { ok: false, message: `certificate ${i + 1} of ${blocks.length} in the file does not parse (a damaged PEM block?)` };
    out.push(Buffer.from(cert.raw));
  }
  return { ok: true, value: Object.freeze(out) };
}

/** A private key from PEM (PKCS#8, PKCS#1, SEC1) or DER PKCS#8; encrypted keys are refused. */
export function privateKeyOf(bytes: Buffer): Loaded<KeyObject> {
  const pem = bytes.toString('latin1').includes('-----BEGIN');
  if (pem && /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(bytes.toString('latin1'))) {
    return { ok: false, message: 'the private key is encrypted; the daemon starts unattended: store it decrypted (openssl pkey -in key.pem -out plain.pem) and chmod 600' };
  }
  try {
    const key = pem ? createPrivateKey({ key: bytes, format: 'pem' }) : createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
    return { ok: true, value: key };
  } catch {
    return { ok: false, message: 'expected a private key in PEM (PKCS#8, PKCS#1 or SEC1) or DER PKCS#8, got something node:crypto cannot read' };
  }
}

/** True when the private key belongs to the certificate (same public key). */
export function keyMatchesCertificate(privateKey: KeyObject, certificateDer: Buffer): boolean {
  const cert = certificate(certificateDer);
  if (cert === null) return false;
  try {
    return cert.publicKey.equals(createPublicKey(privateKey));
  } catch {
    return false;
  }
}
