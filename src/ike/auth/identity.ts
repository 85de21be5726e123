// IKE identities (RFC 7296 3.5) and the strongSwan text spellings people write in configuration:
//   192.0.2.1 / 2001:db8::1        ID_IPV4_ADDR / ID_IPV6_ADDR
//   user@example.com               ID_RFC822_ADDR      (@@user@example.com also works)
//   host.example / @host.example   ID_FQDN             (the "@" forces FQDN for text that looks like an address)
//   @#0a0b0c / keyid:0a0b0c        ID_KEY_ID           (hex)
//   C=CH, O=Example, CN=moon       ID_DER_ASN1_DN
//   %any                           matches any identity (configuration only, never sent)
// and explicit prefixes: ipv4:, ipv6:, fqdn:, email: (rfc822:, userfqdn:), asn1dn: (dn:), keyid:;
// "prefix:#hex" gives the raw ID data of any of them.
import { ID_TYPE } from '../message/numbers.js';
import { formatIpv4, formatIpv6, parseIp } from '../../wire/address.js';
import { decodeDn, dnEqual, encodeDn, isControl } from './dn.js';

export interface IkeIdentity {
  /** ID_TYPE.* as sent in the ID payload; ID_ANY (0, never on the wire) for "%any". */
  readonly idType: number;
  readonly data: Buffer;
}

/** strongSwan's ID_ANY: a configured identity that matches every received one. Not an RFC 7296 ID Type. */
export const ID_ANY = 0;

export type IdentityParse = { readonly ok: true; readonly identity: IkeIdentity } | { readonly ok: false; readonly message: string };

/** Longer than any DNS name (255) or DN we expect; keeps hostile configuration text bounded. */
const MAX_ID_TEXT = 4096;

const PREFIXES: Readonly<Record<string, number>> = {
  ipv4: ID_TYPE.ID_IPV4_ADDR,
  ipv6: ID_TYPE.ID_IPV6_ADDR,
  fqdn: ID_TYPE.ID_FQDN,
  email: ID_TYPE.ID_RFC822_ADDR,
  rfc822: ID_TYPE.ID_RFC822_ADDR,
  userfqdn: ID_TYPE.ID_RFC822_ADDR,
  asn1dn: ID_TYPE.ID_DER_ASN1_DN,
  dn: ID_TYPE.ID_DER_ASN1_DN,
  keyid: ID_TYPE.ID_KEY_ID,
};

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [ID_TYPE.ID_IPV4_ADDR]: 'ipv4',
  [ID_TYPE.ID_IPV6_ADDR]: 'ipv6',
  [ID_TYPE.ID_FQDN]: 'fqdn',
  [ID_TYPE.ID_RFC822_ADDR]: 'email',
  [ID_TYPE.ID_DER_ASN1_DN]: 'asn1dn',
  [ID_TYPE.ID_DER_ASN1_GN]: 'asn1gn',
  [ID_TYPE.ID_KEY_ID]: 'keyid',
};

function ok(idType: number, data: Buffer): IdentityParse {
  return { ok: true, identity: { idType, data } };
}

function fail(message: string): IdentityParse {
  return { ok: false, message };
}

function hexData(hex: string): Buffer | null {
  return /^([0-9a-fA-F]{2})+$/.test(hex) ? Buffer.from(hex, 'hex') : null;
}

/** Text identities (FQDN, RFC822) as octets: no controls or spaces, which no DNS name or mailbox has. */
function textData(idType: number, text: string): IdentityParse {
  if (text === '') return fail('the identity is empty');
  if ([...text].some((c) => c === ' ' || isControl(c))) return fail(`"${text}" contains spaces or control characters`);
  if (idType === ID_TYPE.ID_FQDN && text.length > 255) return fail('a DNS name is at most 255 octets (RFC 1035 2.3.4)');
  return ok(idType, Buffer.from(text, 'utf8'));
}

function typedValue(idType: number, value: string): IdentityParse {
  if (value.startsWith('#') && idType !== ID_TYPE.ID_KEY_ID) {
    const data = hexData(value.slice(1));
    return data ? ok(idType, data) : fail(`"${value}" is not "#" followed by hex octets`);
  }
  switch (idType) {
    case ID_TYPE.ID_IPV4_ADDR:
    case ID_TYPE.ID_IPV6_ADDR: {
      const addr = parseIp(value);
      const want = idType === ID_TYPE.ID_IPV4_ADDR ? 4 : 16;
      return addr && addr.length === want ? ok(idType, addr) : fail(`"${value}" is not an IPv${want === 4 ? 4 : 6} address`);
    }
    case ID_TYPE.ID_DER_ASN1_DN: {
      const dn = encodeDn(value);
      return dn.ok ? ok(idType, dn.value) : fail(`distinguished name "${value}": ${dn.message}`);
    }
    case ID_TYPE.ID_KEY_ID: {
      const data = hexData(value.startsWith('#') ? value.slice(1) : value);
      return data ? ok(idType, data) : fail(`key ID "${value}" is not hex octets`);
    }
    default:
      return textData(idType, value);
  }
}

/** Parses an identity as written in configuration (strongSwan spellings, see the file comment). */
export function parseIdentity(input: string): IdentityParse {
  if (input.length > MAX_ID_TEXT) return fail(`identity text longer than ${MAX_ID_TEXT} characters`);
  const text = input.trim();
  if (text === '') return fail('the identity is empty');
  if (text === '%any' || text === '%any6') return ok(ID_ANY, Buffer.alloc(0));
  const prefix = /^([a-z0-9]+):(.*)$/i.exec(text);
  if (prefix && PREFIXES[prefix[1]!.toLowerCase()] !== undefined) return typedValue(PREFIXES[prefix[1]!.toLowerCase()]!, prefix[2]!);
  if (text.startsWith('@#')) return typedValue(ID_TYPE.ID_KEY_ID, text.slice(2));
  if (text.startsWith('@@')) return textData(ID_TYPE.ID_RFC822_ADDR, text.slice(2));
  if (text.startsWith('@')) return textData(ID_TYPE.ID_FQDN, text.slice(1));
  const addr = parseIp(text);
  if (addr) return ok(addr.length === 4 ? ID_TYPE.ID_IPV4_ADDR : ID_TYPE.ID_IPV6_ADDR, addr);
  if (text.includes('=')) return typedValue(ID_TYPE.ID_DER_ASN1_DN, text);
  if (text.includes('@')) return textData(ID_TYPE.ID_RFC822_ADDR, text);
  return textData(ID_TYPE.ID_FQDN, text);
}

function parsesTo(text: string, id: IkeIdentity): boolean {
  const r = parseIdentity(text);
  return r.ok && r.identity.idType === id.idType && r.identity.data.equals(id.data);
}

function printableText(data: Buffer): string | null {
  const text = data.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(data) || [...text].some((c) => c === ' ' || isControl(c)) || text === '') return null;
  return text;
}

/** Text for an identity; parseIdentity(formatIdentity(x)) gives x back for every well-formed x. */
export function formatIdentity(id: IkeIdentity): string {
  const raw = (): string => `${TYPE_NAMES[id.idType] ?? `id-type-${id.idType}`}:#${id.data.toString('hex')}`;
  switch (id.idType) {
    case ID_ANY:
      return '%any';
    case ID_TYPE.ID_IPV4_ADDR:
      return id.data.length === 4 ? formatIpv4(id.data, 0) : raw();
    case ID_TYPE.ID_IPV6_ADDR:
      return id.data.length === 16 ? formatIpv6(id.data, 0) : raw();
    case ID_TYPE.ID_FQDN:
    case ID_TYPE.ID_RFC822_ADDR: {
      const text = printableText(id.data);
      // The plain spelling when it parses back to this identity, else the forcing "@" / "@@" one.
      const spellings = text === null ? [] : id.idType === ID_TYPE.ID_FQDN ? [text, `@${text}`] : [text, `@@${text}`];
      return spellings.find((t) => parsesTo(t, id)) ?? raw();
    }
    case ID_TYPE.ID_KEY_ID:
      return id.data.length > 0 ? `@#${id.data.toString('hex')}` : raw();
    case ID_TYPE.ID_DER_ASN1_DN: {
      const dn = decodeDn(id.data);
      // Only text that encodes to these very octets; anything else keeps its hex.
      return dn.ok && parsesTo(dn.value, id) ? dn.value : raw();
    }
    default:
      return raw();
  }
}

/**
 * Equality of two identities: same type and data, where DNS names and mail addresses compare
 * without regard to ASCII case (RFC 4343) and DNs as RFC 5280 7.1 compares names.
 */
export function identitiesEqual(a: IkeIdentity, b: IkeIdentity): boolean {
  if (a.idType !== b.idType) return false;
  if (a.data.equals(b.data)) return true;
  switch (a.idType) {
    case ID_TYPE.ID_FQDN:
    case ID_TYPE.ID_RFC822_ADDR:
      return a.data.length === b.data.length && asciiLower(a.data) === asciiLower(b.data);
    case ID_TYPE.ID_DER_ASN1_DN:
      return dnEqual(a.data, b.data);
    default:
      return false;
  }
}

function asciiLower(data: Buffer): string {
  return data.toString('latin1').toLowerCase();
}

/**
 * Whether a received identity satisfies a configured one: %any matches everything, a configured
 * FQDN or mail address starting with "*" matches by suffix ("*.example.com", "*@example.com"),
 * a DN attribute value "*" matches any value; otherwise identitiesEqual.
 */
export function matchIdentity(configured: IkeIdentity, received: IkeIdentity): boolean {
  if (configured.idType === ID_ANY) return true;
  if (configured.idType !== received.idType) return false;
  if ((configured.idType === ID_TYPE.ID_FQDN || configured.idType === ID_TYPE.ID_RFC822_ADDR) && configured.data[0] === 0x2a) {
    const suffix = asciiLower(configured.data.subarray(1));
    const got = asciiLower(received.data);
    return got.length > suffix.length && got.endsWith(suffix);
  }
  if (configured.idType === ID_TYPE.ID_DER_ASN1_DN) return dnEqual(configured.data, received.data, true);
  return identitiesEqual(configured, received);
}

/**
 * RFC 7296 2.15 / 3.5: the ID payload body that AUTH covers (as RestOfInitIDPayload /
 * RestOfRespIDPayload): ID Type, three RESERVED octets (zero), Identification Data.
 */
export function idPayloadBody(id: IkeIdentity): Buffer {
  if (!Number.isInteger(id.idType) || id.idType < 1 || id.idType > 255) {
    throw new RangeError(`ID Type ${id.idType} cannot be sent (%any is a configuration wildcard, not an identity)`);
  }
  return Buffer.concat([Buffer.from([id.idType, 0, 0, 0]), id.data]);
}
