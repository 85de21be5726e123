import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_TYPE } from '../../../src/ike/message/numbers.js';
import { decodeDn, dnEqual, encodeDn } from '../../../src/ike/auth/dn.js';
import { decodeOidContent, encodeOidContent, readChildren, readElement } from '../../../src/ike/auth/der.js';
import type { IkeIdentity } from '../../../src/ike/auth/identity.js';
import { ID_ANY, formatIdentity, idPayloadBody, identitiesEqual, matchIdentity, parseIdentity } from '../../../src/ike/auth/identity.js';
import { Pki, certSubject, hasOpenssl, openssl } from './pki.js';

function parsed(text: string): IkeIdentity {
  const r = parseIdentity(text);
  if (!r.ok) throw new Error(`expected ${text} to parse: ${r.message}`);
  return r.identity;
}

describe('parseIdentity with strongSwan spellings', () => {
  it('reads dotted IPv4 as ID_IPV4_ADDR with the four address octets', () => {
    expect(parsed('192.0.2.1')).toEqual({ idType: ID_TYPE.ID_IPV4_ADDR, data: Buffer.from([192, 0, 2, 1]) });
  });

  it('reads IPv6 text as ID_IPV6_ADDR with sixteen octets', () => {
    expect(parsed('2001:db8::1')).toEqual({ idType: ID_TYPE.ID_IPV6_ADDR, data: Buffer.from('20010db8000000000000000000000001', 'hex') });
  });

  it('reads user@example.com as ID_RFC822_ADDR and @@ forces the same type', () => {
    expect(parsed('user@example.com')).toEqual({ idType: ID_TYPE.ID_RFC822_ADDR, data: Buffer.from('user@example.com') });
    expect(parsed('@@user@example.com')).toEqual(parsed('user@example.com'));
  });

  it('reads @host.example and host.example as the same ID_FQDN without the @', () => {
    expect(parsed('@host.example')).toEqual({ idType: ID_TYPE.ID_FQDN, data: Buffer.from('host.example') });
    expect(parsed('host.example')).toEqual(parsed('@host.example'));
  });

  it('reads @#0a0b0c and keyid:0a0b0c as ID_KEY_ID with those octets', () => {
    const want = { idType: ID_TYPE.ID_KEY_ID, data: Buffer.from([0x0a, 0x0b, 0x0c]) };
    expect(parsed('@#0a0b0c')).toEqual(want);
    expect(parsed('keyid:0a0b0c')).toEqual(want);
    expect(parsed('keyid:#0A0B0C')).toEqual(want);
  });

  it('honours explicit type prefixes, including "#hex" raw data', () => {
    expect(parsed('fqdn:192.0.2.1')).toEqual({ idType: ID_TYPE.ID_FQDN, data: Buffer.from('192.0.2.1') });
    expect(parsed('email:a@b')).toEqual({ idType: ID_TYPE.ID_RFC822_ADDR, data: Buffer.from('a@b') });
    expect(parsed('ipv4:#c0000201')).toEqual(parsed('192.0.2.1'));
    expect(parsed('asn1dn:C=CH, CN=moon').idType).toBe(ID_TYPE.ID_DER_ASN1_DN);
  });

  it('reads %any as the configuration wildcard that is never sent', () => {
    expect(parsed('%any').idType).toBe(ID_ANY);
    expect(() => idPayloadBody(parsed('%any'))).toThrow(RangeError);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['keyid:xyz', 'hex'],
    ['@#abc', 'hex'],
    ['ipv4:2001:db8::1', 'IPv4'],
    ['ipv6:192.0.2.1', 'IPv6'],
    ['CN=', 'empty value'],
    ['XX=foo', 'unknown attribute'],
    ['C=Zürich', 'string type'],
    ['CN=a\\', 'escape'],
    ['CN=#zz', 'DER element'],
    ['host name', 'spaces'],
    ['a'.repeat(5000), 'longer'],
  ])('refuses %j with a message about %s', (text, words) => {
    const r = parseIdentity(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(words);
  });
});

describe('idPayloadBody (RFC 7296 3.5)', () => {
  it('is the ID Type, three zero octets and the identification data', () => {
    expect(idPayloadBody(parsed('192.0.2.1')).toString('hex')).toBe('01000000c0000201');
    expect(idPayloadBody(parsed('@moon')).toString('hex')).toBe('02000000' + Buffer.from('moon').toString('hex'));
  });
});

describe('identity comparison and matching', () => {
  it('compares DNS names and mail addresses without regard to ASCII case', () => {
    expect(identitiesEqual(parsed('Moon.Example'), parsed('moon.example'))).toBe(true);
    expect(identitiesEqual(parsed('A@Example.com'), parsed('a@example.com'))).toBe(true);
    expect(identitiesEqual(parsed('moon.example'), parsed('sun.example'))).toBe(false);
  });

  it('never equates identities of different types with the same octets', () => {
    expect(identitiesEqual(parsed('fqdn:#01020304'), parsed('ipv4:#01020304'))).toBe(false);
  });

  it('compares DNs ignoring case and string type (RFC 5280 7.1)', () => {
    const printable = Buffer.from('3011310f300d06035504031306' + Buffer.from('MOON x').toString('hex'), 'hex');
    expect(decodeDn(printable)).toEqual({ ok: true, value: 'CN=#1306' + Buffer.from('MOON x').toString('hex') });
    expect(identitiesEqual({ idType: ID_TYPE.ID_DER_ASN1_DN, data: printable }, parsed('CN=moon  x'))).toBe(true);
    expect(identitiesEqual(parsed('C=CH, CN=moon'), parsed('CN=moon, C=CH'))).toBe(false);
  });

  it('lets %any match every identity and exact identities match only themselves', () => {
    for (const text of ['192.0.2.1', 'moon.example', 'C=CH, CN=moon', '@#01']) expect(matchIdentity(parsed('%any'), parsed(text))).toBe(true);
    expect(matchIdentity(parsed('moon.example'), parsed('MOON.example'))).toBe(true);
    expect(matchIdentity(parsed('moon.example'), parsed('sun.example'))).toBe(false);
    expect(matchIdentity(parsed('192.0.2.1'), parsed('192.0.2.2'))).toBe(false);
  });

  it('matches "*" suffix patterns and DN attribute wildcards', () => {
    expect(matchIdentity(parsed('*.example.com'), parsed('vpn.example.com'))).toBe(true);
    expect(matchIdentity(parsed('*.example.com'), parsed('example.com'))).toBe(false);
    expect(matchIdentity(parsed('*@example.com'), parsed('carol@example.com'))).toBe(true);
    expect(matchIdentity(parsed('*@example.com'), parsed('carol@example.org'))).toBe(false);
    expect(matchIdentity(parsed('C=CH, O=Example, CN=*'), parsed('C=CH, O=Example, CN=carol'))).toBe(true);
    expect(matchIdentity(parsed('C=CH, O=Example, CN=*'), parsed('C=CH, O=Other, CN=carol'))).toBe(false);
  });
});

describe('formatIdentity', () => {
  it('writes each type in the spelling people configure', () => {
    expect(formatIdentity(parsed('192.0.2.1'))).toBe('192.0.2.1');
    expect(formatIdentity(parsed('2001:0db8:0:0::1'))).toBe('2001:db8::1');
    expect(formatIdentity(parsed('@moon.example'))).toBe('moon.example');
    expect(formatIdentity(parsed('fqdn:192.0.2.1'))).toBe('@192.0.2.1');
    expect(formatIdentity(parsed('a@b.example'))).toBe('a@b.example');
    expect(formatIdentity(parsed('keyid:0a0b'))).toBe('@#0a0b');
    expect(formatIdentity(parsed('C=CH,O=Example,  CN=moon'))).toBe('C=CH, O=Example, CN=moon');
    expect(formatIdentity(parsed('CN=a\\, b\\+c'))).toBe('CN=a\\, b\\+c');
    expect(formatIdentity({ idType: 200, data: Buffer.from([1]) })).toBe('id-type-200:#01');
  });

  const octets = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a));
  const label = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
  const dnValue = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== '' && !s.includes('\\'));
  const identities: fc.Arbitrary<IkeIdentity> = fc.oneof(
    fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => ({ idType: ID_TYPE.ID_IPV4_ADDR, data: Buffer.from(a) })),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => ({ idType: ID_TYPE.ID_IPV6_ADDR, data: Buffer.from(a) })),
    fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => ({ idType: ID_TYPE.ID_FQDN, data: Buffer.from(l.join('.')) })),
    fc.tuple(label, label).map(([u, d]) => ({ idType: ID_TYPE.ID_RFC822_ADDR, data: Buffer.from(`${u}@${d}`) })),
    octets.map((data) => ({ idType: ID_TYPE.ID_KEY_ID, data })),
    fc.array(fc.tuple(fc.constantFrom('CN', 'O', 'OU', 'L', 'ST'), dnValue), { minLength: 1, maxLength: 4 }).map((parts) => {
      const dn = encodeDn(parts.map(([t, v]) => `${t}=${v.replace(/[,+"<>;=#]/g, (c) => '\\' + c)}`).join(', '));
      if (!dn.ok) throw new Error(dn.message);
      return { idType: ID_TYPE.ID_DER_ASN1_DN, data: dn.value };
    }),
    fc.tuple(fc.constantFrom(1, 2, 3, 5, 9, 11), octets).map(([idType, data]) => ({ idType, data })),
  );

  it('is the inverse of parseIdentity for every identity with data', () => {
    fc.assert(
      fc.property(identities, (id) => {
        const back = parseIdentity(formatIdentity(id));
        expect(back).toEqual({ ok: true, identity: id });
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on identities of any type with hostile data', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.uint8Array({ maxLength: 64 }), (idType, data) => {
      expect(typeof formatIdentity({ idType, data: Buffer.from(data) })).toBe('string');
    }));
  });
});

describe('the bounded DER reader never throws on hostile input', () => {
  it('returns a typed failure or an element inside the given bounds', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(80), (bytes, off) => {
      const buf = Buffer.from(bytes);
      const r = readElement(buf, off);
      if (r.ok) expect(r.element.end).toBeLessThanOrEqual(buf.length);
      const c = readChildren(buf, 0, buf.length, 8);
      if (c.ok) expect(c.children.length).toBeLessThanOrEqual(8);
    }), { numRuns: 2000 });
  });

  it('refuses indefinite, non-minimal and overlong lengths', () => {
    expect(readElement(Buffer.from('3080', 'hex'), 0).ok).toBe(false);
    expect(readElement(Buffer.from('30810100', 'hex'), 0).ok).toBe(false);
    expect(readElement(Buffer.from('3085' + '00'.repeat(5), 'hex'), 0).ok).toBe(false);
    expect(readElement(Buffer.from('3082ffff00', 'hex'), 0).ok).toBe(false);
  });

  it('decodes every OID it encodes and refuses padded subidentifiers', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.nat(), { maxLength: 8 }), (a, b, rest) => {
      const text = [a, b, ...rest].join('.');
      expect(decodeOidContent(encodeOidContent(text)!)).toBe(text);
    }));
    expect(decodeOidContent(Buffer.from('2a8048', 'hex'))).toBeNull();
    expect(decodeOidContent(Buffer.from('2a86', 'hex'))).toBeNull();
  });

  it('decodeDn returns a failure, not an exception, for random and mutated names', () => {
    const good = encodeDn('C=CH, O=Example, CN=moon');
    if (!good.ok) throw new Error(good.message);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
      const r = decodeDn(Buffer.from(bytes));
      expect(typeof r.ok).toBe('boolean');
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.nat(good.value.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
      const copy = Buffer.from(good.value);
      copy[at] = value;
      const r = decodeDn(copy);
      expect(typeof r.ok).toBe('boolean');
      expect(typeof dnEqual(copy, good.value, true)).toBe('boolean');
    }), { numRuns: 2000 });
  });
});

describe.skipIf(!hasOpenssl())('DN encodings against openssl', () => {
  let pki: Pki;
  beforeAll(() => {
    pki = new Pki();
    pki.key('moon', 'p256');
    pki.rootCa('moon', '/C=CH/O=Example/CN=moon');
    pki.key('all', 'p256');
    pki.rootCa('all', '/C=CH/ST=Zurich/L=Zurich/O=Example/OU=VPN/CN=moon/emailAddress=moon@example.com/serialNumber=1234/DC=example');
  }, 60_000);
  afterAll(() => pki?.cleanup());

  it('encodes "C=CH, O=Example, CN=moon" to the subject DER of an openssl certificate with that DN', () => {
    const subject = certSubject(pki.read('moon.der'));
    expect(parsed('C=CH, O=Example, CN=moon').data.toString('hex')).toBe(subject.toString('hex'));
  });

  it('encodes every supported attribute type with the OID and string type openssl uses', () => {
    const subject = certSubject(pki.read('all.der'));
    const ours = parsed('C=CH, ST=Zurich, L=Zurich, O=Example, OU=VPN, CN=moon, E=moon@example.com, serialNumber=1234, DC=example');
    expect(ours.data.toString('hex')).toBe(subject.toString('hex'));
    const dump = openssl(['asn1parse', '-inform', 'DER'], ours.data).toString('utf8');
    for (const line of ['countryName', 'PRINTABLESTRING   :CH', 'UTF8STRING        :moon', 'emailAddress', 'IA5STRING         :moon@example.com', 'serialNumber', 'domainComponent']) {
      expect(dump).toContain(line);
    }
  });

  it('formats the certificate subject as X509Certificate reads it', () => {
    const cert = new X509Certificate(pki.read('all.der'));
    const id: IkeIdentity = { idType: ID_TYPE.ID_DER_ASN1_DN, data: certSubject(pki.read('all.der')) };
    const ours = formatIdentity(id).split(', ').map((p) => p.replace(/^E=/, 'emailAddress='));
    expect(ours).toEqual(cert.subject.split('\n'));
  });

  it('matches the RFC 2253 text openssl prints, read in reverse order', () => {
    const text = openssl(['x509', '-in', pki.path('moon.pem'), '-noout', '-subject', '-nameopt', 'RFC2253']).toString('utf8').trim();
    const rfc2253 = text.replace(/^subject=/, '').split(',').reverse().join(', ');
    expect(formatIdentity({ idType: ID_TYPE.ID_DER_ASN1_DN, data: certSubject(pki.read('moon.der')) })).toBe(rfc2253);
  });
});
