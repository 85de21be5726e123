// Shared fixtures for the datapath tests: two hosts with real SAs (createEspCipher, keys from a
// seeded PRNG), inner packets, the DESIGN.md drop table typed out by hand, and one assertion
// helper that checks a whole verdict (kind, SPI, SA, cause, reason, evidence), not "dropped".
//
//   peer B 192.0.2.1 (sender, outbound SA)  ──ESP──►  us A 198.51.100.7 (inbound SA)
//   inner: 10.2.0.0/16 behind B             ──────►  10.1.0.0/16 behind A
import { expect } from 'vitest';
import { createEspCipher } from '../../src/esp/cipher.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import type { KeyMaterial, TransformSpec } from '../../src/esp/transform-spec.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';
import { buildIpv6 } from '../../src/packet/ipv6.js';
import { buildUdp } from '../../src/packet/udp.js';
import { SaDatabase } from '../../src/sad/sad.js';
import type { LifetimeLimits, SaConfig, SecurityAssociation } from '../../src/sad/sa.js';
import { parseSelector } from '../../src/spd/parse.js';
import type { SelectorPair } from '../../src/spd/selector.js';
import type { InboundContext, InboundMeta } from '../../src/datapath/inbound.js';
import { createInboundContext, processEsp, processUdpDatagram } from '../../src/datapath/inbound.js';
import { sealWithSa } from '../../src/datapath/outbound.js';
import type { DropKindId } from '../../src/verdict/drop-kinds.js';
import type { CauseId, Delivered, Dropped, Evidence, Verdict } from '../../src/verdict/verdict.js';
import { Prng } from '../support/prng.js';
import { referenceSeal, sequenceIv } from '../esp/reference.js';

export const US = '198.51.100.7';
export const PEER = '192.0.2.1';
export const OTHER_HOST = '203.0.113.99';
export const OUR_NET = '10.1.0.0/16';
export const PEER_NET = '10.2.0.0/16';
export const OUR_HOST = '10.1.0.5';
export const PEER_HOST = '10.2.0.9';
export const NOW = 1_700_000_000_000;

/** DESIGN.md "The verdict contract", typed out row by row (hex from winerror.h). */
export const DESIGN_ROWS: Readonly<Record<DropKindId, { code: number; name: string; hex: string; linuxCounter: string; stage: string }>> = {
  'invalid-packet': { code: 13914, name: 'ERROR_IPSEC_INVALID_PACKET', hex: '0x365A', linuxCounter: 'XfrmInHdrError', stage: 'parse' },
  'bad-spi': { code: 13910, name: 'ERROR_IPSEC_BAD_SPI', hex: '0x3656', linuxCounter: 'XfrmInNoStates', stage: 'sa-lookup' },
  'lifetime-expired': { code: 13911, name: 'ERROR_IPSEC_SA_LIFETIME_EXPIRED', hex: '0x3657', linuxCounter: 'XfrmInStateExpired', stage: 'sa-state' },
  replay: { code: 13913, name: 'ERROR_IPSEC_REPLAY_CHECK_FAILED', hex: '0x3659', linuxCounter: 'XfrmInStateSeqError', stage: 'replay' },
  integrity: { code: 13915, name: 'ERROR_IPSEC_INTEGRITY_CHECK_FAILED', hex: '0x365B', linuxCounter: 'XfrmInStateProtoError', stage: 'integrity' },
  'invalid-trailer': { code: 13914, name: 'ERROR_IPSEC_INVALID_PACKET', hex: '0x365A', linuxCounter: 'XfrmInStateProtoError', stage: 'trailer' },
  'wrong-sa-selectors': { code: 13912, name: 'ERROR_IPSEC_WRONG_SA', hex: '0x3658', linuxCounter: 'XfrmInTmplMismatch', stage: 'selectors' },
  'wrong-sa-state': { code: 13912, name: 'ERROR_IPSEC_WRONG_SA', hex: '0x3658', linuxCounter: 'XfrmInStateMismatch', stage: 'selectors' },
  'clear-text-no-policy': { code: 13916, name: 'ERROR_IPSEC_CLEAR_TEXT_DROP', hex: '0x365C', linuxCounter: 'XfrmInNoPols', stage: 'policy' },
  'clear-text-blocked': { code: 13916, name: 'ERROR_IPSEC_CLEAR_TEXT_DROP', hex: '0x365C', linuxCounter: 'XfrmInPolBlock', stage: 'policy' },
  throttle: { code: 13918, name: 'ERROR_IPSEC_THROTTLE_DROP', hex: '0x365E', linuxCounter: 'none', stage: 'dos-guard' },
  'outbound-no-sa': { code: 13910, name: 'ERROR_IPSEC_BAD_SPI', hex: '0x3656', linuxCounter: 'XfrmOutNoStates', stage: 'sa-lookup' },
  'outbound-seq-exhausted': { code: 13911, name: 'ERROR_IPSEC_SA_LIFETIME_EXPIRED', hex: '0x3657', linuxCounter: 'XfrmOutStateSeqError', stage: 'sa-state' },
  'outbound-blocked': { code: 13916, name: 'ERROR_IPSEC_CLEAR_TEXT_DROP', hex: '0x365C', linuxCounter: 'XfrmOutPolBlock', stage: 'policy' },
};

/** A transform with its wire lengths as the RFCs give them (not as the code reports them). */
export interface TransformCase {
  readonly name: string;
  readonly spec: TransformSpec;
  /** IV bytes on the wire: RFC 4106 3.1 / RFC 7634 2 / RFC 4543 3 / RFC 3686 3: 8; RFC 3602 3: 16; RFC 2410: 0. */
  readonly ivLength: number;
  /** RFC 4106 6 (8/12/16), RFC 7634 2 (16), RFC 2404 (12), RFC 4868 2.3 (half the hash). */
  readonly icvLength: number;
  /** RFC 4303 2.4: CBC pads to the 16-byte block, everything else to 4 bytes. */
  readonly alignment: number;
  /** Smallest ciphertext: one CBC block, otherwise the 2 trailer bytes (RFC 4303 2.4). */
  readonly minCiphertext: number;
  /** How the diagnoses name the transform. */
  readonly transformName: string;
}

export const TRANSFORMS: readonly TransformCase[] = [
  { name: 'AES-GCM-128/16', spec: { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' }, ivLength: 8, icvLength: 16, alignment: 4, minCiphertext: 2, transformName: 'aes128-gcm16' },
  { name: 'AES-GCM-256/8', spec: { encryption: 'aes-gcm', keyBits: 256, icvLength: 8, integrity: 'none' }, ivLength: 8, icvLength: 8, alignment: 4, minCiphertext: 2, transformName: 'aes256-gcm8' },
  { name: 'AES-CBC-128+HMAC-SHA256-128', spec: { encryption: 'aes-cbc', keyBits: 128, integrity: 'hmac-sha256-128' }, ivLength: 16, icvLength: 16, alignment: 16, minCiphertext: 16, transformName: 'aes-cbc-128+hmac-sha256-128' },
  { name: 'AES-CBC-256+HMAC-SHA512-256', spec: { encryption: 'aes-cbc', keyBits: 256, integrity: 'hmac-sha512-256' }, ivLength: 16, icvLength: 32, alignment: 16, minCiphertext: 16, transformName: 'aes-cbc-256+hmac-sha512-256' },
  { name: 'ChaCha20-Poly1305', spec: { encryption: 'chacha20-poly1305', integrity: 'none' }, ivLength: 8, icvLength: 16, alignment: 4, minCiphertext: 2, transformName: 'chacha20-poly1305' },
  { name: 'NULL+HMAC-SHA1-96', spec: { encryption: 'null', integrity: 'hmac-sha1-96' }, ivLength: 0, icvLength: 12, alignment: 4, minCiphertext: 2, transformName: 'null+hmac-sha1-96' },
  { name: 'NULL+HMAC-SHA256-128', spec: { encryption: 'null', integrity: 'hmac-sha256-128' }, ivLength: 0, icvLength: 16, alignment: 4, minCiphertext: 2, transformName: 'null+hmac-sha256-128' },
];

export const AES_GCM = TRANSFORMS[0]!;
export const AES_CBC = TRANSFORMS[2]!;
export const CHACHA = TRANSFORMS[4]!;
export const NULL_HMAC = TRANSFORMS[5]!;

/** RFC 2404 / RFC 4868 2.1.1: the HMAC key is as long as the hash output. */
const HMAC_KEY_BYTES: Readonly<Record<string, number>> = {
  'hmac-sha1-96': 20, 'hmac-sha256-128': 32, 'hmac-sha384-192': 48, 'hmac-sha512-256': 64, none: 0,
};

/** Key material of the RFC lengths: AES key (+ 4-byte salt for GCM/GMAC/CTR, RFC 4106 8.1), ChaCha 32 + 4. */
export function keysFor(spec: TransformSpec, prng: Prng): KeyMaterial {
  const salted = spec.encryption === 'aes-gcm' || spec.encryption === 'aes-gmac' || spec.encryption === 'aes-ctr' || spec.encryption === 'chacha20-poly1305';
  const base = spec.encryption === 'null' ? 0 : spec.encryption === 'chacha20-poly1305' ? 32 : (spec.keyBits ?? 128) / 8;
  return { encryptionKey: prng.bytes(base + (salted ? 4 : 0)), integrityKey: prng.bytes(HMAC_KEY_BYTES[spec.integrity]!) };
}

export interface LinkOptions {
  readonly transform?: TransformCase;
  /** Any other transform (round trips only: `transform`'s RFC lengths then do not describe it). */
  readonly spec?: TransformSpec;
  readonly esn?: boolean;
  readonly mode?: 'tunnel' | 'transport';
  readonly encapsulated?: boolean;
  readonly selectors?: SelectorPair | null;
  readonly replayWindow?: number;
  readonly hard?: LifetimeLimits;
  readonly soft?: LifetimeLimits;
  readonly spi?: number;
  readonly label?: string | null;
  readonly seed?: number;
  readonly now?: number;
  /** Outer addresses: ours and the peer's (default US and PEER). */
  readonly local?: string;
  readonly remote?: string;
}

/** Our SAD with one inbound SA, and the peer's outbound SA with the same keys and SPI. */
export interface Link {
  readonly transform: TransformCase;
  readonly keys: KeyMaterial;
  readonly sad: SaDatabase;
  readonly ctx: InboundContext;
  readonly inbound: SecurityAssociation;
  readonly peerSad: SaDatabase;
  readonly outbound: SecurityAssociation;
  readonly meta: InboundMeta;
  readonly encapsulated: boolean;
}

export function selectorsBetween(local: string, remote: string): SelectorPair {
  return { local: parseSelector(local), remote: parseSelector(remote) };
}

export function makeLink(o: LinkOptions = {}): Link {
  const transform = o.spec === undefined ? o.transform ?? AES_GCM : { ...AES_GCM, name: 'custom', spec: o.spec };
  const keys = keysFor(transform.spec, new Prng(o.seed ?? 7));
  const encapsulated = o.encapsulated ?? true;
  const now = o.now ?? NOW;
  const base = {
    spi: o.spi ?? 0x0a0b0c0d, src: o.remote ?? PEER, dst: o.local ?? US, mode: o.mode ?? 'tunnel',
    encapsulation: encapsulated ? { srcPort: 4500, dstPort: 4500 } : null,
    transform: transform.spec, keys, esn: o.esn ?? false, replayWindow: o.replayWindow ?? 64,
    selectors: o.selectors ?? null, label: o.label === undefined ? 'b-to-a' : o.label,
  } as const;
  const sad = new SaDatabase();
  const inboundConfig: SaConfig = { ...base, direction: 'inbound', cipher: createEspCipher(transform.spec, keys), hard: o.hard, soft: o.soft };
  const inbound = sad.add(inboundConfig, now);
  const peerSad = new SaDatabase();
  const outbound = peerSad.add({ ...base, direction: 'outbound', cipher: createEspCipher(transform.spec, keys) }, now);
  const meta: InboundMeta = { src: base.src, dst: base.dst, srcPort: encapsulated ? 4500 : null, dstPort: encapsulated ? 4500 : null, encapsulated };
  return { transform, keys, sad, ctx: createInboundContext(sad), inbound, peerSad, outbound, meta, encapsulated };
}

/** Seals with the peer's outbound SA (next sequence number), as the peer would. */
export function seal(link: Link, packet: Buffer, now = NOW, tfcPadTo?: number): Buffer {
  const v = sealWithSa(link.outbound, packet, now, link.peerSad, tfcPadTo);
  if (v.verdict !== 'protected') throw new Error(`test setup: sealing failed: ${JSON.stringify(v)}`);
  return Buffer.from(v.esp);
}

/** Seals any payload and next header at an explicit 64-bit sequence number (encapsulate directly). */
export function sealAt(link: Link, seqHi: number, seqLo: number, payload: Buffer, nextHeader = 4, esn = link.inbound.config.esn, spi = link.inbound.spi): Buffer {
  return Buffer.from(encapsulate(link.outbound.config.cipher, { spi, seqHi, seqLo, esn, nextHeader, payload }));
}

/**
 * An authentic packet around any plaintext (trailer included), built by the test-side reference
 * sealer (test/esp/reference.ts, written from the RFCs with node:crypto), not by src/esp.
 */
export function sealRaw(link: Link, seqLo: number, plaintext: Buffer, seqHi = 0): Buffer {
  const t = link.transform;
  const iv = t.spec.encryption === 'aes-cbc' ? Buffer.alloc(16, 0x5a) : sequenceIv(seqHi, seqLo).subarray(0, t.ivLength);
  return referenceSeal(t.spec, link.keys, { spi: link.inbound.spi, seqHi, seqLo, esn: link.inbound.config.esn, iv, plaintext });
}

/** Feeds a packet the way the link carries it: UDP payload (RFC 3948) or IP protocol 50. */
export function receive(link: Link, esp: Buffer, now = NOW, meta: InboundMeta = link.meta): Verdict {
  return meta.encapsulated ? processUdpDatagram(link.ctx, esp, meta, now) : processEsp(link.ctx, esp, meta, now);
}

// ---- inner packets -------------------------------------------------------------------

export function udp4(src = PEER_HOST, dst = OUR_HOST, payload: Buffer = Buffer.from('hello, tunnel'), ports = { srcPort: 5000, dstPort: 53 }): Buffer {
  return buildIpv4({ src, dst, protocol: 17 }, buildUdp({ ...ports, src, dst }, payload));
}

export function udp6(src = '2001:db8:2::9', dst = '2001:db8:1::5', payload: Buffer = Buffer.from('hello, v6 tunnel')): Buffer {
  return buildIpv6({ src, dst, protocol: 17 }, buildUdp({ srcPort: 5000, dstPort: 53, src, dst }, payload));
}

// ---- assertions ----------------------------------------------------------------------

export interface ExpectedDrop {
  readonly kind: DropKindId;
  readonly spi: number | null;
  readonly sa: SecurityAssociation | null;
  readonly cause: CauseId | null;
  readonly reason: string;
  /** Compared with toEqual (every key), unless `partialEvidence` is set. */
  readonly evidence: Record<string, unknown>;
  readonly partialEvidence?: boolean;
  /** Words the summary must contain (numbers the reader needs). */
  readonly summaryHas?: readonly string[];
}

export function saRefOf(sa: SecurityAssociation): { id: number; spi: number; direction: string; label: string | null } {
  return { id: sa.id, spi: sa.config.spi, direction: sa.config.direction, label: sa.config.label ?? null };
}

export function expectDrop(v: Verdict, e: ExpectedDrop): Dropped {
  expect(v.verdict, JSON.stringify(v)).toBe('dropped');
  const d = v as Dropped;
  expect({ ...d.kind }).toEqual({ id: e.kind, ...DESIGN_ROWS[e.kind] });
  expect(d.spi).toBe(e.spi);
  expect(d.sa === null ? null : { ...d.sa }).toEqual(e.sa === null ? null : saRefOf(e.sa));
  expect(d.diagnosis.cause).toBe(e.cause);
  expect(d.diagnosis.reason).toBe(e.reason);
  expect(d.diagnosis.summary.length).toBeGreaterThan(20);
  expect(d.diagnosis.nextStep.length).toBeGreaterThan(20);
  if (e.partialEvidence) expect(d.diagnosis.evidence).toMatchObject(e.evidence);
  else expect({ ...d.diagnosis.evidence }).toEqual(e.evidence);
  expectJsonEvidence(d.diagnosis.evidence);
  for (const word of e.summaryHas ?? []) expect(d.diagnosis.summary).toContain(word);
  return d;
}

/** Evidence is plain data: it survives JSON unchanged. */
export function expectJsonEvidence(evidence: Evidence): void {
  expect(JSON.parse(JSON.stringify(evidence))).toEqual({ ...evidence });
}

export function expectDelivered(v: Verdict, sa: SecurityAssociation, seqHi: number, seqLo: number, nextHeader: number): Delivered {
  expect(v.verdict, JSON.stringify(v)).toBe('delivered');
  const d = v as Delivered;
  expect({ spi: d.spi, sa: { ...d.sa }, seqHi: d.seqHi, seqLo: d.seqLo, nextHeader: d.nextHeader })
    .toEqual({ spi: sa.spi, sa: saRefOf(sa), seqHi, seqLo, nextHeader });
  return d;
}

/** The SA evidence every per-SA diagnosis starts with. */
export function saEvidence(sa: SecurityAssociation): { spi: string; saId: number; label: string | null } {
  return { spi: hex8(sa.spi), saId: sa.id, label: sa.config.label ?? null };
}

/** "0x" + 8 lower-case hex digits (CONTRIBUTING.md), written independently of spiHex. */
export function hex8(spi: number): string {
  return '0x' + spi.toString(16).padStart(8, '0');
}

/** RFC 1071, the slow obvious way: one's complement sum of 16-bit words, complemented. */
export function naiveChecksum(bytes: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) + (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}
