// What the store keeps instead of keys: a SHA-256 over an SA's key material, so sequence marks
// follow the keys (the same keys coming back continue their counter) and no key touches disk.
import { createHash } from 'node:crypto';
import type { KeyMaterial } from '../../esp/transform-spec.js';

const DOMAIN = 'ipsec-ts sequence reservation v1';

/**
 * Lower-case hex SHA-256 of both keys. Each key is preceded by its length, so moving bytes
 * from one key to the other changes the fingerprint.
 */
export function keyFingerprint(keys: KeyMaterial): string {
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(keys.encryptionKey.length, 0);
  lengths.writeUInt32BE(keys.integrityKey.length, 4);
  return createHash('sha256')
    .update(DOMAIN)
    .update(lengths.subarray(0, 4)).update(keys.encryptionKey)
    .update(lengths.subarray(4, 8)).update(keys.integrityKey)
    .digest('hex');
}

export function isKeyFingerprint(fp: string): boolean {
  return /^[0-9a-f]{64}$/.test(fp);
}
