// Proposals as SA payload structures. The transform numbers and the Key Length attribute are
// checked against scapy's IKEv2 tables and encoder (scapy.contrib.ikev2, scapy_transforms.py):
// the test names each transform the way scapy does, scapy turns the names into numbers.
// describeProposal is checked against strongSwan's log notation as strongSwan prints it, e.g.
// "received proposals: ESP:AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ" and
// "IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/MODP_1024" (charon [CFG] lines).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeProposal, proposalsToPayload } from '../../../src/ike/proposal/payload.js';
import { parseProposalText } from '../../../src/ike/proposal/parse.js';
import type { ProposalSpec } from '../../../src/ike/proposal/parse.js';
import type { Proposal } from '../../../src/ike/message/types.js';
import { hasOracle } from '../../support/oracle.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'scapy_transforms.py');
const IKE = 1;
const ESP = 3;

function spec(text: string, kind: 'ike' | 'esp'): ProposalSpec {
  const r = parseProposalText(text, kind);
  if (!r.ok) throw new Error(r.message);
  return r.spec;
}

type ScapyName = [type: string, id: string, keyLength: number | null];

/** Each keyword proposal and its transforms in scapy's names, in the order we send them. */
const CASES: ReadonlyArray<[string, 'ike' | 'esp', ScapyName[]]> = [
  ['aes128gcm16-prfsha256-x25519', 'ike', [['Encryption', 'AES-GCM-16ICV', 128], ['PRF', 'PRF_HMAC_SHA2_256', null], ['GroupDesc', 'curve25519gr', null]]],
  ['aes256-sha256-modp2048', 'ike', [['Encryption', 'AES-CBC', 256], ['PRF', 'PRF_HMAC_SHA2_256', null], ['Integrity', 'SHA2-256-128', null], ['GroupDesc', '2048MODPgr', null]]],
  ['aes192-sha384-ecp384', 'ike', [['Encryption', 'AES-CBC', 192], ['PRF', 'PRF_HMAC_SHA2_384', null], ['Integrity', 'SHA2-384-192', null], ['GroupDesc', '384randECPgr', null]]],
  ['chacha20poly1305-prfsha512-curve448-ecp521-ecp256', 'ike', [['Encryption', 'ChaCha20-Poly1305', null], ['PRF', 'PRF_HMAC_SHA2_512', null], ['GroupDesc', 'curve448gr', null], ['GroupDesc', '521randECPgr', null], ['GroupDesc', '256randECPgr', null]]],
  ['aes128gcm8-aes256gcm12-esn-noesn', 'esp', [['Encryption', 'AES-GCM-8ICV', 128], ['Encryption', 'AES-GCM-12ICV', 256], ['Extended Sequence Number', 'ESN', null], ['Extended Sequence Number', 'No ESN', null]]],
  ['aes256-sha512-x25519', 'esp', [['Encryption', 'AES-CBC', 256], ['Integrity', 'SHA2-512-256', null], ['GroupDesc', 'curve25519gr', null], ['Extended Sequence Number', 'No ESN', null]]],
];

describe.skipIf(!hasOracle('scapy'))('proposalsToPayload against scapy', () => {
  it('gives every transform the type, ID and Key Length attribute scapy gives the same algorithm', () => {
    const names = CASES.flatMap(([, , n]) => n);
    const run = spawnSync('/usr/bin/python3', [SCRIPT], { input: JSON.stringify(names), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const scapy = JSON.parse(run.stdout) as [number, number, number | null, number | null][];
    const ours = CASES.flatMap(([text, kind]) => {
      const [p] = proposalsToPayload([spec(text, kind)], kind === 'ike' ? IKE : ESP, Buffer.alloc(kind === 'ike' ? 0 : 4));
      return p!.transforms.map((t) => [t.type, t.id, t.keyLength, t.attributes.length === 0 ? null : t.attributes[0]!.type]);
    });
    expect(ours).toEqual(scapy);
  });
});

describe('proposalsToPayload', () => {
  it('numbers proposals 1..n in preference order and gives each the SPI', () => {
    const spi = Buffer.from('c0ffee01', 'hex');
    const ps = proposalsToPayload([spec('aes128gcm16', 'esp'), spec('aes256-sha256', 'esp')], ESP, spi);
    expect(ps.map((p) => [p.number, p.protocolId, p.spi.toString('hex')])).toEqual([[1, ESP, 'c0ffee01'], [2, ESP, 'c0ffee01']]);
  });

  it('sends the Key Length attribute in TV form with the key size for AES only', () => {
    const [aes, chacha] = proposalsToPayload([spec('aes256gcm16', 'esp'), spec('chacha20poly1305', 'esp')], ESP, Buffer.alloc(4));
    expect(aes!.transforms[0]!.attributes).toEqual([{ type: 14, value: 256 }]);
    expect(chacha!.transforms[0]!.attributes).toEqual([]);
    expect(chacha!.transforms[0]!.keyLength).toBeNull();
  });

  it('sends no integrity transform with an AEAD and no DH transform without PFS', () => {
    const [p] = proposalsToPayload([spec('aes128gcm16-esn', 'esp')], ESP, Buffer.alloc(4));
    expect(p!.transforms.map((t) => t.type)).toEqual([1, 5]);
  });

  it('refuses to put an ESP spec in an IKE proposal, a wrong SPI size or no specs (API misuse)', () => {
    expect(() => proposalsToPayload([spec('aes128gcm16', 'esp')], IKE, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => proposalsToPayload([spec('aes128gcm16', 'esp')], ESP, Buffer.alloc(8))).toThrow(/4 octets/);
    expect(() => proposalsToPayload([spec('aes128gcm16-prfsha256-x25519', 'ike')], IKE, Buffer.alloc(4))).toThrow(/0 or 8/);
    expect(() => proposalsToPayload([], ESP, Buffer.alloc(4))).toThrow(RangeError);
    expect(() => proposalsToPayload([spec('aes128gcm16', 'esp')], 2, Buffer.alloc(4))).toThrow(/protocolId/);
  });
});

describe('describeProposal', () => {
  it('prints an IKE AEAD proposal as strongSwan does', () => {
    const [p] = proposalsToPayload([spec('aes128gcm16-prfsha256-x25519', 'ike')], IKE, Buffer.alloc(0));
    expect(describeProposal(p!)).toBe('AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519');
  });

  it('prints integrity before the PRF, as strongSwan does', () => {
    const [p] = proposalsToPayload([spec('aes128-sha256-modp2048', 'ike')], IKE, Buffer.alloc(0));
    expect(describeProposal(p!)).toBe('AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048');
  });

  it('prints ESP with its ESN mode', () => {
    const [p] = proposalsToPayload([spec('aes256-sha256', 'esp')], ESP, Buffer.alloc(4));
    expect(describeProposal(p!)).toBe('AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ');
  });

  it('prints unknown transforms by number instead of failing, whatever the peer sent', () => {
    const p: Proposal = {
      number: 1, protocolId: ESP, spi: Buffer.alloc(4),
      transforms: [
        { type: 1, id: 99, keyLength: null, attributes: [] },
        { type: 3, id: 77, keyLength: null, attributes: [] },
        { type: 9, id: 3, keyLength: null, attributes: [] },
        { type: 1, id: 12, keyLength: null, attributes: [] },
      ],
    };
    expect(describeProposal(p)).toBe('ENCR_99/AES_CBC/INTEG_77/TYPE9_3');
  });
});
