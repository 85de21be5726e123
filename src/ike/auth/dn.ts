// Distinguished names for ID_DER_ASN1_DN (RFC 7296 3.5: "the complete DER encoding of an X.500
// Name", RFC 5280 4.1.2.4). Text is written the strongSwan way: "C=CH, O=Example, CN=moon", the
// first attribute being the first RDN in the DER (not RFC 4514's reversed order), with RFC 4514
// backslash escapes and "#hex" for a value we cannot show as text.
import { DER_TAG, decodeOidContent, derTlv, encodeOidContent, readChildren, readElement } from './der.js';

/** Attribute types we know by name (RFC 5280 4.1.2.4 and appendix A, RFC 4519, PKCS #9). */
const ATTRIBUTES: readonly { readonly names: readonly string[]; readonly oid: string; readonly tag: number }[] = [
  // RFC 5280 appendix A: countryName and serialNumber are PrintableString.
  { names: ['C'], oid: '2.5.4.6', tag: DER_TAG.PRINTABLE_STRING },
  { names: ['ST', 'S'], oid: '2.5.4.8', tag: DER_TAG.UTF8_STRING },
  { names: ['L'], oid: '2.5.4.7', tag: DER_TAG.UTF8_STRING },
  { names: ['O'], oid: '2.5.4.10', tag: DER_TAG.UTF8_STRING },
  { names: ['OU'], oid: '2.5.4.11', tag: DER_TAG.UTF8_STRING },
  { names: ['CN'], oid: '2.5.4.3', tag: DER_TAG.UTF8_STRING },
  { names: ['serialNumber', 'SN'], oid: '2.5.4.5', tag: DER_TAG.PRINTABLE_STRING },
  // PKCS #9 emailAddress and RFC 4519 domainComponent are IA5String.
  { names: ['E', 'emailAddress'], oid: '1.2.840.113549.1.9.1', tag: DER_TAG.IA5_STRING },
  { names: ['DC'], oid: '0.9.2342.19200300.100.1.25', tag: DER_TAG.IA5_STRING },
];

/** Bounds that keep hostile text and DER cheap; real DNs are far below them. */
const MAX_DN_TEXT = 4096;
const MAX_RDNS = 64;
const MAX_DN_DER = 8192;

export type DnResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function attributeByName(name: string): (typeof ATTRIBUTES)[number] | undefined {
  const lower = name.toLowerCase();
  return ATTRIBUTES.find((a) => a.names.some((n) => n.toLowerCase() === lower));
}

function attributeByOid(oid: string): (typeof ATTRIBUTES)[number] | undefined {
  return ATTRIBUTES.find((a) => a.oid === oid);
}

/** The string type we encode a value of this attribute in, or null when the text does not fit it. */
function stringTag(oid: string, value: string): number | null {
  const tag = attributeByOid(oid)?.tag ?? DER_TAG.UTF8_STRING;
  if (tag === DER_TAG.PRINTABLE_STRING && !PRINTABLE.test(value)) return null;
  if (tag === DER_TAG.IA5_STRING && [...value].some((c) => c.charCodeAt(0) > 0x7f)) return null;
  return tag;
}

/** Splits on unescaped `sep`; escapes stay in the parts. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1]!;
      i++;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** RFC 4514 2.4 escapes: "\," style and "\XX" hex pairs (which may spell UTF-8). */
function unescapeValue(text: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const pair = text.slice(i + 1, i + 3);
    if (/^[0-9a-fA-F]{2}$/.test(pair)) {
      bytes.push(parseInt(pair, 16));
      i += 2;
    } else if (i + 1 < text.length) {
      bytes.push(...Buffer.from(text[i + 1]!, 'utf8'));
      i++;
    } else {
      return null;
    }
  }
  const decoded = Buffer.from(bytes).toString('utf8');
  return Buffer.from(decoded, 'utf8').equals(Buffer.from(bytes)) ? decoded : null;
}

/** Trims spaces around a value, keeping an escaped trailing space ("a\\ ") (RFC 4514 2.4). */
function trimValue(text: string): string {
  let out = text.trimStart();
  while (out.endsWith(' ')) {
    const backslashes = /\\*$/.exec(out.slice(0, -1))![0].length;
    if (backslashes % 2 === 1) break;
    out = out.slice(0, -1);
  }
  return out;
}

function encodeAttribute(part: string): DnResult<Buffer> {
  const eq = part.indexOf('=');
  if (eq <= 0) return { ok: false, message: `"${part.trim()}" is not of the form TYPE=value` };
  const typeText = part.slice(0, eq).trim();
  const rawValue = trimValue(part.slice(eq + 1));
  const known = attributeByName(typeText);
  const oid = known?.oid ?? (/^[0-9.]+$/.test(typeText) ? typeText : null);
  const oidContent = oid === null ? null : encodeOidContent(oid);
  if (oid === null || oidContent === null) {
    return { ok: false, message: `unknown attribute type "${typeText}" (use C, ST, L, O, OU, CN, E, serialNumber, DC or a dotted OID)` };
  }
  if (rawValue === '') return { ok: false, message: `attribute ${typeText} has an empty value` };
  let valueDer: Buffer;
  if (rawValue.startsWith('#')) {
    // RFC 4514 2.4: "#" then the hex of the value's BER encoding.
    const hex = rawValue.slice(1);
    const bytes = /^([0-9a-fA-F]{2})+$/.test(hex) ? Buffer.from(hex, 'hex') : null;
    const el = bytes ? readElement(bytes, 0) : null;
    if (!bytes || !el?.ok || el.element.end !== bytes.length) return { ok: false, message: `attribute ${typeText}: "${rawValue}" is not "#" followed by one DER element in hex` };
    valueDer = bytes;
  } else {
    const value = unescapeValue(rawValue);
    if (value === null) return { ok: false, message: `attribute ${typeText}: bad escape in "${rawValue}"` };
    const tag = stringTag(oid, value);
    if (tag === null) return { ok: false, message: `attribute ${typeText}: "${value}" has characters its string type cannot hold` };
    valueDer = derTlv(tag, Buffer.from(value, 'utf8'));
  }
  return { ok: true, value: derTlv(DER_TAG.SEQUENCE, derTlv(DER_TAG.OID, oidContent), valueDer) };
}

/** Encodes "C=CH, O=Example, CN=moon" as a DER Name (SEQUENCE OF SET OF AttributeTypeAndValue). */
export function encodeDn(text: string): DnResult<Buffer> {
  if (text.length > MAX_DN_TEXT) return { ok: false, message: `distinguished name longer than ${MAX_DN_TEXT} characters` };
  const parts = splitUnescaped(text, ',');
  if (parts.length > MAX_RDNS) return { ok: false, message: `more than ${MAX_RDNS} name components` };
  const rdns: Buffer[] = [];
  for (const part of parts) {
    // Multi-valued RDNs ("CN=a+OU=b") are rare in IKE identities; encode each value in one SET.
    const values: Buffer[] = [];
    for (const atv of splitUnescaped(part, '+')) {
      const r = encodeAttribute(atv);
      if (!r.ok) return r;
      values.push(r.value);
    }
    // X.690 11.6: DER sorts the members of a SET OF by their encodings.
    values.sort(Buffer.compare);
    rdns.push(derTlv(DER_TAG.SET, ...values));
  }
  return { ok: true, value: derTlv(DER_TAG.SEQUENCE, ...rdns) };
}

/** C0 controls and DEL: never shown raw. */
export function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/** RFC 4514 2.4: characters escaped in a value, plus a leading "#" or space and a trailing space. */
function escapeValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => '\\' + c);
  out = [...out].map((c) => (isControl(c) ? '\\' + c.charCodeAt(0).toString(16).padStart(2, '0') : c)).join('');
  if (out.startsWith('#') || out.startsWith(' ')) out = '\\' + out;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = out.slice(0, -1) + '\\ ';
  return out;
}

const TEXT_TAGS: ReadonlySet<number> = new Set([DER_TAG.UTF8_STRING, DER_TAG.PRINTABLE_STRING, DER_TAG.IA5_STRING]);

function formatValue(oid: string, der: Buffer, tag: number, content: Buffer): string {
  const text = content.toString('utf8');
  // Text only where encoding the text again gives these very bytes; otherwise "#hex".
  const exact = TEXT_TAGS.has(tag) && Buffer.from(text, 'utf8').equals(content) && stringTag(oid, text) === tag && text !== '' && text.trim() === text;
  return exact ? escapeValue(text) : '#' + der.toString('hex');
}

/** One AttributeTypeAndValue as decoded. */
export interface DnAttribute {
  readonly oid: string;
  readonly tag: number;
  /** The whole value element (tag, length, content). */
  readonly der: Buffer;
  readonly content: Buffer;
}

function decodeAttribute(der: Buffer, start: number, end: number): DnResult<DnAttribute> {
  const seq = readChildren(der, start, end, 2);
  if (!seq.ok) return { ok: false, message: seq.detail };
  const [oidEl, valueEl] = seq.children;
  if (seq.children.length !== 2 || oidEl!.tag !== DER_TAG.OID) return { ok: false, message: `attribute at ${start} is not (OID, value)` };
  const oid = decodeOidContent(der.subarray(oidEl!.contentStart, oidEl!.end));
  if (oid === null) return { ok: false, message: `malformed OID at ${oidEl!.start}` };
  const value = { oid, tag: valueEl!.tag, der: der.subarray(valueEl!.start, valueEl!.end), content: der.subarray(valueEl!.contentStart, valueEl!.end) };
  return { ok: true, value };
}

/** Decodes a DER Name into its RDNs; a typed failure (never an exception) on malformed input. */
export function decodeDnAttributes(der: Buffer): DnResult<DnAttribute[][]> {
  if (der.length > MAX_DN_DER) return { ok: false, message: `DER name of ${der.length} octets exceeds ${MAX_DN_DER}` };
  const outer = readElement(der, 0);
  if (!outer.ok) return { ok: false, message: outer.detail };
  if (outer.element.tag !== DER_TAG.SEQUENCE || outer.element.end !== der.length) return { ok: false, message: 'a Name is one SEQUENCE spanning all the octets' };
  const rdns = readChildren(der, outer.element.contentStart, outer.element.end, MAX_RDNS);
  if (!rdns.ok) return { ok: false, message: rdns.detail };
  const result: DnAttribute[][] = [];
  for (const rdn of rdns.children) {
    if (rdn.tag !== DER_TAG.SET) return { ok: false, message: `RDN at ${rdn.start} is not a SET` };
    const atvs = readChildren(der, rdn.contentStart, rdn.end, 16);
    if (!atvs.ok) return { ok: false, message: atvs.detail };
    if (atvs.children.length === 0) return { ok: false, message: `empty RDN at ${rdn.start}` };
    const values: DnAttribute[] = [];
    for (const atv of atvs.children) {
      if (atv.tag !== DER_TAG.SEQUENCE) return { ok: false, message: `attribute at ${atv.start} is not a SEQUENCE` };
      const r = decodeAttribute(der, atv.contentStart, atv.end);
      if (!r.ok) return r;
      values.push(r.value);
    }
    result.push(values);
  }
  return { ok: true, value: result };
}

/** Formats a DER Name as text; a typed failure (never an exception) on malformed input. */
export function decodeDn(der: Buffer): DnResult<string> {
  const r = decodeDnAttributes(der);
  if (!r.ok) return r;
  const text = r.value
    .map((rdn) => rdn.map((a) => `${attributeByOid(a.oid)?.names[0] ?? a.oid}=${formatValue(a.oid, a.der, a.tag, a.content)}`).join('+'))
    .join(', ');
  return { ok: true, value: text };
}

/** The comparable form of a value: RFC 5280 7.1 (simplified): case and runs of spaces ignored, string type ignored. */
function comparable(a: DnAttribute): string {
  if (!TEXT_TAGS.has(a.tag)) return '#' + a.der.toString('hex');
  return a.content.toString('utf8').trim().replace(/ +/g, ' ').toLowerCase();
}

/**
 * DN equality the way strongSwan and RFC 5280 7.1 compare names: the same attribute types in the
 * same order, values equal ignoring case and string type. With `wildcards`, a value "*" in `a`
 * (the configured side) matches any value (strongSwan's DN wildcard).
 */
export function dnEqual(a: Buffer, b: Buffer, wildcards = false): boolean {
  if (a.equals(b)) return true;
  const da = decodeDnAttributes(a);
  const db = decodeDnAttributes(b);
  if (!da.ok || !db.ok || da.value.length !== db.value.length) return false;
  return da.value.every((rdn, i) => {
    const other = db.value[i]!;
    return rdn.length === other.length && rdn.every((x, j) => {
      const y = other[j]!;
      if (x.oid !== y.oid) return false;
      return (wildcards && comparable(x) === '*') || comparable(x) === comparable(y);
    });
  });
}
