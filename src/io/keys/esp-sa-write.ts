// Writes esp_sa lines that Wireshark loads. The default target is Debian 12's tshark 4.0:
// eight columns, AES-GCM spelled with its ICV length ('AES-GCM with 16 octet ICV [RFC4106]')
// and authentication 'NULL', keys as 0x hex (see esp-algorithms.ts for what 4.0 accepts).
// 'wireshark-latest' adds the SN and ESN High Bits columns, 'Any' and ChaCha20-Poly1305.
// A record the target cannot express throws RangeError naming the field: this is our own
// data going out, not network input.
import { spiHex, toHex } from '../../wire/bytes.js';
import { canonicalIp, ipVersionOf } from '../../wire/address.js';
import type { IpVersion } from '../../wire/address.js';
import type { KeyMaterial, TransformSpec } from '../../esp/transform-spec.js';
import { authenticationName, encryptionKeyLengths, integrityKeyLength, saltLength } from './esp-algorithms.js';
import type { AddressPattern, SpiPattern } from './esp-patterns.js';
import { quoteUat, UAT_HEADER } from './uat.js';

export type WiresharkTarget = 'wireshark-4.0' | 'wireshark-latest';

export interface EspSaWriteOptions {
  readonly target?: WiresharkTarget;
}

/** One SA to write. EspSaEntry (from parseEspSaFile) fits this shape. */
export interface EspSaRecord {
  readonly family: IpVersion | 'any';
  /** An address (written canonical), '*' for any, or a parsed pattern (written as its text). */
  readonly src: string | AddressPattern;
  readonly dst: string | AddressPattern;
  readonly spi: number | SpiPattern;
  readonly transform: TransformSpec;
  readonly keys: KeyMaterial;
  readonly esn?: boolean;
}

function targetOf(options: EspSaWriteOptions): WiresharkTarget {
  const target = options.target ?? 'wireshark-4.0';
  if (target !== 'wireshark-4.0' && target !== 'wireshark-latest') {
    throw new RangeError(`options.target: expected 'wireshark-4.0' or 'wireshark-latest', got '${String(target)}'`);
  }
  return target;
}

/** One esp_sa line (without line break) for the target. */
export function formatEspSaLine(record: EspSaRecord, options: EspSaWriteOptions = {}): string {
  const target = targetOf(options);
  const fields = [
    protocolName(record.family, target),
    addressText(record.src, record.family, 'record.src'),
    addressText(record.dst, record.family, 'record.dst'),
    spiText(record.spi),
    encryptionName(record.transform, target),
    keyText(checkEncryptionKey(record.transform, record.keys.encryptionKey)),
    integrityName(record.transform),
    keyText(checkIntegrityKey(record.transform, record.keys.integrityKey)),
  ];
  if (target === 'wireshark-latest') fields.push(record.esn === true ? '64-bit' : '32-bit', '0');
  return fields.map(quoteUat).join(',');
}

/**
 * A whole esp_sa file: Wireshark's header line, then one line per record. For tshark 4.0,
 * which has no ESN column, an ESN SA gets a comment line saying its ICV checks will fail.
 */
export function writeEspSaFile(records: readonly EspSaRecord[], options: EspSaWriteOptions = {}): string {
  const target = targetOf(options);
  const lines = [UAT_HEADER];
  for (const record of records) {
    if (target === 'wireshark-4.0' && record.esn === true) {
      lines.push(`# ${spiText(record.spi)} uses 64-bit ESN, which Wireshark 4.0 cannot set: its ICV check and AEAD decryption fail`);
    }
    lines.push(formatEspSaLine(record, { target }));
  }
  return lines.join('\n') + '\n';
}

function protocolName(family: EspSaRecord['family'], target: WiresharkTarget): string {
  if (family === 4) return 'IPv4';
  if (family === 6) return 'IPv6';
  if (family === 'any' && target === 'wireshark-latest') return 'Any';
  if (family === 'any') throw new RangeError("record.family: 'any' needs target 'wireshark-latest'; tshark 4.0 knows only IPv4 and IPv6");
  throw new RangeError(`record.family: expected 4, 6 or 'any', got ${String(family)}`);
}

function addressText(address: string | AddressPattern, family: EspSaRecord['family'], field: string): string {
  if (typeof address !== 'string') {
    if (address.family !== null && family !== 'any' && address.family !== family) {
      throw new RangeError(`${field}: expected an IPv${family} pattern, got '${address.text}'`);
    }
    return address.text;
  }
  if (address === '*') return '*';
  const canonical = canonicalIp(address);
  if (canonical === null || (family !== 'any' && ipVersionOf(address) !== family)) {
    throw new RangeError(`${field}: expected an IPv${family === 'any' ? '4 or IPv6' : family} address, got '${address}'`);
  }
  return canonical;
}

function spiText(spi: number | SpiPattern): string {
  if (typeof spi !== 'number') return spi.text;
  if (!Number.isInteger(spi) || spi < 0 || spi > 0xffffffff) throw new RangeError(`record.spi: expected an integer 0..0xffffffff, got ${spi}`);
  return spiHex(spi);
}

function encryptionName(t: TransformSpec, target: WiresharkTarget): string {
  switch (t.encryption) {
    case 'null': return 'NULL';
    case 'aes-cbc': return 'AES-CBC [RFC3602]';
    case 'aes-ctr': return 'AES-CTR [RFC3686]';
    case 'aes-gcm': return `AES-GCM with ${t.icvLength ?? 16} octet ICV [RFC4106]`;
    case 'chacha20-poly1305':
      if (target === 'wireshark-latest') return 'ChaCha20 with Poly1305 [RFC7634]';
      throw new RangeError("record.transform.encryption: tshark 4.0 has no ChaCha20-Poly1305; use target 'wireshark-latest'");
    case 'aes-gmac':
      throw new RangeError('record.transform.encryption: Wireshark has no spelling for AES-GMAC (RFC 4543)');
  }
}

function integrityName(t: TransformSpec): string {
  const aead = t.encryption === 'aes-gcm' || t.encryption === 'chacha20-poly1305';
  if (aead && t.integrity !== 'none') throw new RangeError(`record.transform.integrity: expected 'none' with ${t.encryption}, got '${t.integrity}'`);
  if (!aead && t.integrity === 'none') throw new RangeError(`record.transform.integrity: ${t.encryption} needs an HMAC, got 'none'`);
  return authenticationName(t.integrity);
}

function checkEncryptionKey(t: TransformSpec, key: Uint8Array): Uint8Array {
  const lengths = encryptionKeyLengths(t.encryption);
  if (!lengths.includes(key.length)) {
    throw new RangeError(`record.keys.encryptionKey: expected ${lengths.join(' or ')} bytes for ${t.encryption}, got ${key.length}`);
  }
  const bits = (key.length - saltLength(t.encryption)) * 8;
  if (t.keyBits !== undefined && t.encryption !== 'null' && t.encryption !== 'chacha20-poly1305' && t.keyBits !== bits) {
    throw new RangeError(`record.keys.encryptionKey: transform says ${t.keyBits}-bit AES, the key holds ${bits} bits`);
  }
  return key;
}

function checkIntegrityKey(t: TransformSpec, key: Uint8Array): Uint8Array {
  const length = integrityKeyLength(t.integrity);
  if (key.length !== length) throw new RangeError(`record.keys.integrityKey: expected ${length} bytes for ${t.integrity}, got ${key.length}`);
  return key;
}

/** '0x' + hex, or empty for an empty key (what Wireshark writes for an empty field). */
function keyText(key: Uint8Array): string {
  return key.length === 0 ? '' : '0x' + toHex(key);
}
