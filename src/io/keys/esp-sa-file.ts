// Wireshark's esp_sa key table: the file Wireshark keeps in its profile and strongSwan's
// save-keys plugin writes. One record per line (uat.ts), fields:
//
//   "Protocol","Src IP","Dest IP","SPI","Encryption","Encryption Key","Authentication","Authentication Key"
//
// and, in Wireshark versions newer than Debian 12's 4.0, two more: "SN" ('32-bit' or
// '64-bit') and "ESN High Bits" (hex); older files without them still load there.
// parseEspSaFile never throws on file content: every bad line becomes a KeyFileError with
// its line number, and all errors of the file are collected. Writing is in esp-sa-write.ts.
import type { KeyMaterial, TransformSpec } from '../../esp/transform-spec.js';
import type { IpVersion } from '../../wire/address.js';
import type { AuthenticationEntry, EncryptionEntry } from './esp-algorithms.js';
import {
  AUTHENTICATION_SPELLINGS, ENCRYPTION_SPELLINGS, WIRESHARK_AUTHENTICATION_NAMES, WIRESHARK_ENCRYPTION_NAMES,
  encryptionKeyLengths, integrityKeyLength, saltLength,
} from './esp-algorithms.js';
import type { AddressPattern, SpiPattern } from './esp-patterns.js';
import { ANY_ADDRESS, parseAddressPattern, parseSpiPattern } from './esp-patterns.js';
import { isUatCommentOrBlank, splitUatRecord } from './uat.js';

export type EspSaField =
  | 'record' | 'protocol' | 'src' | 'dst' | 'spi' | 'encryption' | 'encryptionKey'
  | 'authentication' | 'authenticationKey' | 'snLength' | 'snUpper';

export interface KeyFileError {
  readonly line: number;
  readonly field: EspSaField;
  /** What the line holds. Never key material: for keys, a description such as "31 bytes". */
  readonly found: string;
  readonly expected: string;
  /** "line N: field: expected ..., found ..." */
  readonly message: string;
}

export interface EspSaEntry {
  readonly line: number;
  /** 'any' is Wireshark's "Any" protocol (newer than 4.0): addresses are not compared. */
  readonly family: IpVersion | 'any';
  readonly src: AddressPattern;
  readonly dst: AddressPattern;
  readonly spi: SpiPattern;
  readonly transform: TransformSpec;
  readonly keys: KeyMaterial;
  /** True when the "SN" column says 64-bit (extended sequence numbers). */
  readonly esn: boolean;
  /** The "ESN High Bits" column: the subspace the SA's sequence numbers start in (0 when absent). */
  readonly esnHighBits: number;
  /**
   * Other transforms the line may mean. strongSwan's save-keys writes 'ANY 64 bit' for both
   * 8- and 12-octet AES-GCM ICVs, so such a line may be ICV 12: a reader of packets can
   * try which one verifies. Empty for every unambiguous line.
   */
  readonly alternatives: readonly TransformSpec[];
  /** Facts worth telling the user about this line that are not errors. */
  readonly notes: readonly string[];
}

export interface EspSaFile {
  readonly entries: readonly EspSaEntry[];
  readonly errors: readonly KeyFileError[];
}

/** Collects the errors and notes of one line. */
class LineReport {
  readonly errors: KeyFileError[] = [];
  readonly notes: string[] = [];
  constructor(readonly line: number) {}

  error(field: EspSaField, expected: string, found: string): void {
    const message = `line ${this.line}: ${field}: expected ${expected}, found ${found}`;
    this.errors.push(Object.freeze({ line: this.line, field, found, expected, message }));
  }
}

/** Parses a whole esp_sa file: UTF-8 text or bytes, LF or CRLF, an optional UTF-8 BOM. */
export function parseEspSaFile(content: string | Uint8Array): EspSaFile {
  const text = typeof content === 'string' ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8');
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const entries: EspSaEntry[] = [];
  const errors: KeyFileError[] = [];
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (isUatCommentOrBlank(line)) return;
    const result = parseEspSaLine(line, index + 1);
    if ('entry' in result) entries.push(result.entry);
    else errors.push(...result.errors);
  });
  return { entries, errors };
}

/** Parses one record; lineNumber is used in errors and in the entry. */
export function parseEspSaLine(line: string, lineNumber: number): { entry: EspSaEntry } | { errors: KeyFileError[] } {
  const report = new LineReport(lineNumber);
  const record = splitUatRecord(line);
  if (!record.ok) {
    report.error('record', 'comma-separated "quoted" fields', `${record.reason} at column ${record.column}`);
    return { errors: report.errors };
  }
  if (record.fields.length < 8 || record.fields.length > 10) {
    report.error('record', '8 fields (10 in Wireshark newer than 4.0)', `${record.fields.length} fields`);
    return { errors: report.errors };
  }
  const entry = buildEntry(record.fields.map(latin1), report);
  if (entry !== null && report.errors.length === 0) return { entry };
  return { errors: report.errors.sort((a, b) => FIELD_ORDER.indexOf(a.field) - FIELD_ORDER.indexOf(b.field)) };
}

/** Column order, so a line's errors are reported left to right. */
const FIELD_ORDER: readonly EspSaField[] = [
  'record', 'protocol', 'src', 'dst', 'spi', 'encryption', 'encryptionKey', 'authentication', 'authenticationKey', 'snLength', 'snUpper',
];

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Field text for an error message: quoted, shortened, control bytes made visible. */
/**
 * A field's text for an error message. Text that looks like key material (a long run of hex,
 * as when the algorithm and key columns are swapped) is described, never printed.
 */
function shown(text: string): string {
  const hex = /^(0x)?[0-9a-fA-F]{16,}$/.exec(text.trim());
  if (hex) return `what looks like key material (${text.trim().length - (hex[1] ? 2 : 0)} hex digits, not shown)`;
  const visible = text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `'${visible.length > 60 ? visible.slice(0, 57) + '...' : visible}'`;
}

function buildEntry(f: string[], report: LineReport): EspSaEntry | null {
  const family = parseFamily(f[0]!, report);
  const [src, dst] = parseAddresses(family, f[1]!, f[2]!, report);
  const spi = parseSpi(f[3]!, report);
  const encryptionKey = parseKey(f[5]!, 'encryptionKey', report);
  const integrityKey = parseKey(f[7]!, 'authenticationKey', report);
  const esn = parseSn(f[8], f[9], report);
  const transform = parseTransform(f[4]!, f[6]!, encryptionKey, integrityKey, report);
  if (family === null || src === null || dst === null || spi === null || transform === null) return null;
  if (encryptionKey === null || integrityKey === null || esn === null) return null;
  return Object.freeze({
    line: report.line, family, src, dst, spi, transform: transform.spec, alternatives: transform.alternatives,
    keys: Object.freeze({ encryptionKey: transform.encryptionKey, integrityKey: transform.integrityKey }),
    esn: esn.esn, esnHighBits: esn.highBits, notes: Object.freeze(report.notes),
  });
}

function parseFamily(text: string, report: LineReport): IpVersion | 'any' | null {
  if (text === 'IPv4') return 4;
  if (text === 'IPv6') return 6;
  if (text === 'Any') {
    report.notes.push("protocol 'Any' needs a Wireshark newer than 4.0; addresses are not compared");
    return 'any';
  }
  report.error('protocol', "'IPv4', 'IPv6' or 'Any'", shown(text));
  return null;
}

function parseAddresses(family: IpVersion | 'any' | null, srcText: string, dstText: string, report: LineReport): [AddressPattern | null, AddressPattern | null] {
  if (family === null) return [null, null];
  if (family === 'any') {
    // filter_address_match() returns true for the Any protocol without reading the text.
    if (srcText !== '*' || dstText !== '*') report.notes.push("addresses are ignored for protocol 'Any'");
    return [ANY_ADDRESS, ANY_ADDRESS];
  }
  return [parseAddress(srcText, family, 'src', report), parseAddress(dstText, family, 'dst', report)];
}

function parseAddress(text: string, family: IpVersion, field: 'src' | 'dst', report: LineReport): AddressPattern | null {
  const r = parseAddressPattern(text, family);
  if (!r.ok) {
    report.error(field, r.expected, shown(text));
    return null;
  }
  const prefix = r.pattern.prefixLength;
  if (prefix !== null) {
    report.notes.push(`${field} '/${prefix}': Wireshark applies a prefix only to the first packet it checks against this line; prefer '*' wildcards`);
    if (prefix % 4 !== 0) report.notes.push(`${field} prefix is not a multiple of 4 bits: Wireshark matches fewer addresses than the true prefix`);
  }
  return r.pattern;
}

function parseSpi(text: string, report: LineReport): SpiPattern | null {
  const r = parseSpiPattern(text);
  if (!r.ok) {
    report.error('spi', r.expected, shown(text));
    return null;
  }
  if (r.pattern.octal) report.notes.push(`SPI '${text}' has a leading zero: read as octal, as Wireshark (strtoul) does`);
  return r.pattern;
}

/**
 * A key as compute_ascii_key() reads it: '0x' + hex digits (an odd count means a leading 0
 * is implied), '0x' alone is an empty key, anything else is the key's own bytes.
 */
function parseKey(text: string, field: 'encryptionKey' | 'authenticationKey', report: LineReport): Uint8Array | null {
  if (!/^0[xX]/.test(text)) {
    if (text.length > 0) report.notes.push(`${field} has no 0x prefix: its text is used as the key bytes`);
    return Uint8Array.from(Buffer.from(text, 'latin1'));
  }
  const digits = text.slice(2);
  const bad = digits.search(/[^0-9A-Fa-f]/);
  if (bad >= 0) {
    report.error(field, "'0x' followed by hex digits", `the non-hex character ${shown(digits[bad]!)} at position ${bad + 3}`);
    return null;
  }
  return Uint8Array.from(Buffer.from(digits.length % 2 === 1 ? '0' + digits : digits, 'hex'));
}

function parseSn(snText: string | undefined, upperText: string | undefined, report: LineReport): { esn: boolean; highBits: number } | null {
  let esn: boolean | null = false;
  let highBits = 0;
  if (snText !== undefined && snText !== '32-bit') {
    esn = snText === '64-bit' ? true : null;
    if (esn === null) report.error('snLength', "'32-bit' or '64-bit'", shown(snText));
  }
  if (upperText !== undefined && upperText !== '') {
    const m = /^(?:0[xX])?([0-9A-Fa-f]{1,8})$/.exec(upperText);
    if (!m) report.error('snUpper', 'a hex number up to ffffffff', shown(upperText));
    else highBits = parseInt(m[1]!, 16);
  }
  return esn === null ? null : { esn, highBits };
}

interface ParsedTransform {
  readonly spec: TransformSpec;
  readonly alternatives: readonly TransformSpec[];
  readonly encryptionKey: Uint8Array;
  readonly integrityKey: Uint8Array;
}

type Usable = Extract<EncryptionEntry, { kind: 'usable' }>;

/** The encryption to use, and whether the authentication field only gave its ICV length. */
interface ResolvedEncryption {
  readonly enc: Usable;
  readonly icvFromAuthentication: boolean;
}

function parseTransform(
  encName: string, authName: string, encKey: Uint8Array | null, authKey: Uint8Array | null, report: LineReport,
): ParsedTransform | null {
  const enc = lookupEncryption(encName, report);
  const auth = lookupAuthentication(authName, report);
  if (enc === null || auth === null) return null;
  const resolved = resolveEncryption(enc, auth, authName, report);
  if (resolved === null) return null;
  const integrity = resolveIntegrity(resolved, auth, authName, report);
  if (integrity === null || encKey === null || authKey === null) return null;
  const encryptionKey = checkEncryptionKey(resolved.enc, encKey, report);
  const integrityKey = checkIntegrityKey(integrity, authKey, report);
  if (encryptionKey === null || integrityKey === null) return null;
  const spec = transformSpec(resolved.enc, integrity, encryptionKey);
  // strongSwan's save-keys maps both ENCR_AES_GCM_ICV8 and ENCR_AES_GCM_ICV12 to 'ANY 64 bit'.
  const alternatives = resolved.icvFromAuthentication && spec.icvLength === 8 ? [Object.freeze({ ...spec, icvLength: 12 as const })] : [];
  return { spec, alternatives, encryptionKey, integrityKey };
}

function transformSpec(enc: Usable, integrity: TransformSpec['integrity'], encryptionKey: Uint8Array): TransformSpec {
  const a = enc.algorithm;
  const aes = a === 'aes-cbc' || a === 'aes-ctr' || a === 'aes-gcm';
  return Object.freeze({
    encryption: a,
    ...(aes ? { keyBits: ((encryptionKey.length - saltLength(a)) * 8) as 128 | 192 | 256 } : {}),
    ...(enc.icvLength !== undefined ? { icvLength: enc.icvLength } : {}),
    integrity,
  });
}

function lookupEncryption(name: string, report: LineReport): Exclude<EncryptionEntry, { kind: 'unsupported' }> | null {
  const entry = ENCRYPTION_SPELLINGS.get(name);
  if (entry === undefined) {
    report.error('encryption', `one of Wireshark's spellings: ${WIRESHARK_ENCRYPTION_NAMES.map((n) => `'${n}'`).join(', ')}`, shown(name));
    return null;
  }
  if (entry.kind === 'unsupported') {
    report.error('encryption', `a supported algorithm (${entry.why})`, shown(name));
    return null;
  }
  if (entry.kind === 'usable' && !entry.tshark40) report.notes.push(`'${name}' is not known to tshark 4.0`);
  return entry;
}

function lookupAuthentication(name: string, report: LineReport): AuthenticationEntry | null {
  const entry = AUTHENTICATION_SPELLINGS.get(name);
  if (entry === undefined) {
    report.error('authentication', `one of Wireshark's spellings: ${WIRESHARK_AUTHENTICATION_NAMES.map((n) => `'${n}'`).join(', ')}`, shown(name));
    return null;
  }
  if (entry.kind === 'unsupported') {
    report.error('authentication', `a supported algorithm (${entry.why})`, shown(name));
    return null;
  }
  return entry;
}

/** Turns the deprecated 'AES-GCM [RFC4106]' into AES-GCM with the ICV length of 'ANY n bit'. */
function resolveEncryption(
  enc: Exclude<EncryptionEntry, { kind: 'unsupported' }>, auth: AuthenticationEntry, authName: string, report: LineReport,
): ResolvedEncryption | null {
  if (enc.kind === 'usable') return { enc, icvFromAuthentication: false };
  if (auth.kind !== 'unchecked' || auth.bits > 128) {
    report.error('authentication', "'ANY 64|96|128 bit authentication [no checking]', the ICV length of 'AES-GCM [RFC4106]'", shown(authName));
    return null;
  }
  report.notes.push("'AES-GCM [RFC4106]' is deprecated and tshark 4.0 does not decrypt it; writing uses 'AES-GCM with N octet ICV [RFC4106]'");
  if (auth.bits === 64) {
    // strongSwan's save-keys maps both ENCR_AES_GCM_ICV8 and ENCR_AES_GCM_ICV12 to 64 bits.
    report.notes.push('strongSwan writes ANY 64 bit for both 8- and 12-octet ICVs: the first packet decides which one the SA uses');
  }
  const icvLength = (auth.bits / 8) as 8 | 12 | 16;
  return { enc: { kind: 'usable', algorithm: 'aes-gcm', icvLength, tshark40: true }, icvFromAuthentication: true };
}

function resolveIntegrity(resolved: ResolvedEncryption, auth: AuthenticationEntry, authName: string, report: LineReport): TransformSpec['integrity'] | null {
  const a = resolved.enc.algorithm;
  if (a === 'aes-gcm' || a === 'chacha20-poly1305') {
    if (resolved.icvFromAuthentication || (auth.kind === 'usable' && auth.algorithm === 'none')) return 'none';
    // Wireshark too: "AES-GCM encryption can only be used with NULL authentication".
    report.error('authentication', "'NULL': combined-mode encryption carries its own ICV (RFC 4303 3.2.3)", shown(authName));
    return null;
  }
  if (auth.kind === 'usable' && auth.algorithm !== 'none') return auth.algorithm;
  const why = auth.kind === 'unchecked'
    ? 'an HMAC: without the integrity algorithm and key the ICV cannot be verified'
    : `an HMAC: ${a === 'null' ? 'NULL encryption with NULL authentication protects nothing' : 'encryption without integrity is not supported'}`;
  report.error('authentication', why, shown(authName));
  return null;
}

function checkEncryptionKey(enc: Usable, key: Uint8Array, report: LineReport): Uint8Array | null {
  if (enc.algorithm === 'null') {
    if (key.length > 0) report.notes.push('the encryption key of NULL encryption is ignored');
    return new Uint8Array(0);
  }
  const lengths = encryptionKeyLengths(enc.algorithm);
  if (lengths.includes(key.length)) return key;
  const salt = saltLength(enc.algorithm);
  const what = `${lengths.slice(0, -1).join(', ')} or ${lengths[lengths.length - 1]} bytes${salt > 0 ? ` (AES key + ${salt}-byte salt)` : ''}`;
  report.error('encryptionKey', enc.algorithm === 'chacha20-poly1305' ? '36 bytes (256-bit key + 4-byte salt)' : what, `${key.length} bytes`);
  return null;
}

function checkIntegrityKey(integrity: TransformSpec['integrity'], key: Uint8Array, report: LineReport): Uint8Array | null {
  const length = integrityKeyLength(integrity);
  if (integrity === 'none') {
    if (key.length > 0) report.notes.push('the authentication key is ignored: there is no separate integrity algorithm');
    return new Uint8Array(0);
  }
  if (key.length === length) return key;
  report.error('authenticationKey', `${length} bytes for ${integrity} (RFC 2404 3, RFC 4868 2.1.1)`, `${key.length} bytes`);
  return null;
}
