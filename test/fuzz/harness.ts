// The inbound fuzz harness: a SAD with SAs of every shape (transforms, ESN, tunnel/transport,
// UDP/raw, selectors, lifetimes, and SPIs the BAD_SPI diagnosis knows: ours outbound, another
// destination, allocated-not-installed, rekeyed away, expired), deterministic sealing (keys and
// CBC IVs from the seeded PRNG), the mutations, and the verdict-contract check.
import { createEspCipher } from '../../src/esp/cipher.js';
import type { EspCipher } from '../../src/esp/cipher.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import type { KeyMaterial, TransformSpec } from '../../src/esp/transform-spec.js';
import type { InboundContext, InboundMeta } from '../../src/datapath/inbound.js';
import { createInboundContext } from '../../src/datapath/inbound.js';
import { SaDatabase } from '../../src/sad/sad.js';
import type { LifetimeLimits, SecurityAssociation } from '../../src/sad/sa.js';
import { parseSelector } from '../../src/spd/parse.js';
import { DROP_KINDS } from '../../src/verdict/drop-kinds.js';
import type { Verdict } from '../../src/verdict/verdict.js';
import { CAUSE_IDS } from '../../src/verdict/verdict.js';
import { referencePlaintext, referenceSeal, sequenceIv } from '../esp/reference.js';
import { keysFor, udp4, udp6 } from '../datapath/support.js';
import { Prng } from '../support/prng.js';
import { fixtureRows } from '../verdict/fixture.js';

export const US = '198.51.100.7';
export const PEER = '192.0.2.1';
const ELSEWHERE = '203.0.113.99';

interface Shape {
  readonly spec: TransformSpec;
  readonly mode: 'tunnel' | 'transport';
  readonly udp: boolean;
  readonly esn: boolean;
  readonly window?: number;
  readonly selectors?: boolean;
  readonly hard?: LifetimeLimits;
  /** The peer's ESN setting when it differs from ours (a misconfigured peer). */
  readonly peerEsn?: boolean;
}

/** One inbound SA and what the peer needs to seal for it. */
export interface FuzzSa {
  readonly sa: SecurityAssociation;
  readonly spec: TransformSpec;
  readonly keys: KeyMaterial;
  readonly sender: EspCipher;
  readonly ivLength: number;
  readonly meta: InboundMeta;
  /** Whether the peer seals with ESN: the SA's setting, unless the peer is misconfigured. */
  readonly peerEsn: boolean;
  /** Next (hi, lo) the peer sends; ESN SAs start near 2^32 so the run crosses the boundary. */
  hi: number;
  lo: number;
  /** Recently sealed packets (already received or not). */
  readonly pool: Buffer[];
  /** Inner packets (tunnel) or upper-layer segments (transport) the peer sends, built once. */
  readonly inners: readonly Buffer[];
}

const GCM = (keyBits: 128 | 256, icvLength: 8 | 12 | 16): TransformSpec => ({ encryption: 'aes-gcm', keyBits, icvLength, integrity: 'none' });

const SHAPES: readonly Shape[] = [
  { spec: GCM(128, 16), mode: 'tunnel', udp: true, esn: false, selectors: true },
  { spec: GCM(256, 8), mode: 'transport', udp: false, esn: true },
  { spec: { encryption: 'aes-cbc', keyBits: 128, integrity: 'hmac-sha256-128' }, mode: 'tunnel', udp: false, esn: true, window: 128 },
  { spec: { encryption: 'aes-cbc', keyBits: 256, integrity: 'hmac-sha512-256' }, mode: 'transport', udp: true, esn: false },
  { spec: { encryption: 'chacha20-poly1305', integrity: 'none' }, mode: 'tunnel', udp: true, esn: true },
  { spec: { encryption: 'null', integrity: 'hmac-sha1-96' }, mode: 'transport', udp: true, esn: false },
  { spec: { encryption: 'null', integrity: 'hmac-sha256-128' }, mode: 'tunnel', udp: false, esn: false, window: 0 },
  { spec: { encryption: 'aes-gmac', keyBits: 128, integrity: 'none' }, mode: 'tunnel', udp: true, esn: false },
  { spec: { encryption: 'aes-ctr', keyBits: 256, integrity: 'hmac-sha384-192' }, mode: 'transport', udp: false, esn: true },
];

const IV_LENGTH: Readonly<Record<string, number>> = { 'aes-cbc': 16, null: 0 };
const NOISE_BYTES = 1 << 18;

/** n random bytes (n <= 2^18) as a view of the noise buffer: read-only, copy before changing. */
export function noise(fz: Fuzzer, n: number): Buffer {
  const off = fz.prng.int(NOISE_BYTES - n + 1);
  return fz.noise.subarray(off, off + n);
}

export interface Fuzzer {
  readonly prng: Prng;
  /** Random bytes from the seed, cut at random offsets: much cheaper than a PRNG call per byte. */
  readonly noise: Buffer;
  readonly sad: SaDatabase;
  readonly strict: InboundContext;
  readonly inferred: InboundContext;
  readonly sas: FuzzSa[];
  /** SPIs the BAD_SPI diagnosis has a story for. */
  readonly storySpis: number[];
  /** The run's milestones: when an SA is rekeyed away and when one hits its hard time limit. */
  readonly rekeyAt: number;
  readonly doomed: FuzzSa;
}

export function createFuzzer(seed: number, packets: number, now: number): Fuzzer {
  const prng = new Prng(seed);
  const sad = new SaDatabase({ random: (n) => prng.bytes(n), historyMaxEntries: 1_000 });
  const sas = SHAPES.map((shape, i) => installSa(sad, prng, shape, 0x1000_0000 + i * 0x0101_0101, now));
  // About 1 input in 1000 is delivered on any one SA: this one reaches its packet limit about a quarter in.
  sas.push(installSa(sad, prng, { spec: GCM(128, 12), mode: 'tunnel', udp: true, esn: false, hard: { packets: Math.max(5, Math.floor(packets / 4000)) } }, 0x7000_0004, now));
  // Expires halfway through the run (1 ms per packet): first LIFETIME_EXPIRED, then BAD_SPI expired.
  sas.push(installSa(sad, prng, { spec: GCM(128, 16), mode: 'tunnel', udp: true, esn: false, hard: { addSeconds: packets / 2000 } }, 0x7000_0001, now));
  // A peer that disagrees on ESN: its packets verify only with the other setting.
  sas.push(installSa(sad, prng, { spec: { encryption: 'chacha20-poly1305', integrity: 'none' }, mode: 'transport', udp: true, esn: true, peerEsn: false }, 0x7000_0005, now));
  const doomed = installSa(sad, prng, { spec: GCM(256, 16), mode: 'tunnel', udp: true, esn: false }, 0x7000_0002, now);
  sas.push(doomed);
  const outbound = sad.add({ ...sas[0]!.sa.config, spi: 0x6000_0001, direction: 'outbound', src: US, dst: PEER }, now);
  const elsewhere = sad.add({ ...sas[0]!.sa.config, spi: 0x6000_0002, dst: ELSEWHERE }, now);
  const larval = sad.allocateSpi(now, { peer: PEER, label: 'pending' });
  return {
    prng, noise: prng.bytes(NOISE_BYTES), sad, sas, doomed, rekeyAt: Math.floor(packets / 4),
    strict: createInboundContext(sad),
    inferred: createInboundContext(sad, null, { inferSaShape: true }),
    storySpis: [outbound.spi, elsewhere.spi, larval, doomed.sa.spi, 0, 1, 255, 0xffffffff, 0x6000_0003],
  };
}

function installSa(sad: SaDatabase, prng: Prng, s: Shape, spi: number, now: number): FuzzSa {
  const keys = keysFor(s.spec, prng);
  const sa = sad.add({
    spi, direction: 'inbound', src: PEER, dst: US, mode: s.mode, encapsulation: s.udp ? { srcPort: 4500, dstPort: 4500 } : null,
    transform: s.spec, keys, cipher: createEspCipher(s.spec, keys), esn: s.esn, replayWindow: s.window ?? 64,
    selectors: s.selectors ? { local: parseSelector('10.1.0.0/16'), remote: parseSelector('10.2.0.0/16') } : null,
    hard: s.hard, label: `fuzz-${spi.toString(16)}`,
  }, now);
  const meta: InboundMeta = { src: PEER, dst: US, srcPort: s.udp ? 4500 : null, dstPort: s.udp ? 4500 : null, encapsulated: s.udp };
  const ivLength = IV_LENGTH[s.spec.encryption] ?? 8;
  const inners = Array.from({ length: 8 }, (_, i) => innerPacket(s.mode, i, prng.bytes(prng.int(200))));
  return { sa, spec: s.spec, keys, sender: createEspCipher(s.spec, keys), ivLength, meta, peerEsn: s.peerEsn ?? s.esn, hi: 0, lo: s.esn ? 0xffffff00 : 1, pool: [], inners };
}

/** Tunnel: IPv4 (and every fourth IPv6) UDP between the inner subnets; transport: a UDP segment. */
function innerPacket(mode: 'tunnel' | 'transport', i: number, body: Buffer): Buffer {
  if (mode === 'transport') return Buffer.from(udp4(PEER, US, body).subarray(20));
  return i % 4 === 3 ? udp6('2001:db8:2::9', '2001:db8:1::5', body) : udp4('10.2.0.9', '10.1.0.5', body);
}

// ---- sealing --------------------------------------------------------------------------

function nextSeq(f: FuzzSa): [number, number] {
  const seq: [number, number] = [f.hi, f.lo];
  if (f.lo === 0xffffffff) {
    f.hi++;
    f.lo = 0;
  } else {
    f.lo++;
  }
  return seq;
}

/** What a well-behaved peer sends on this SA's mode: inner packets, sometimes TFC-padded, sometimes dummies. */
function innerFor(prng: Prng, f: FuzzSa): { payload: Buffer; nextHeader: number; tfcPadTo?: number } {
  const r = prng.int(20);
  if (r === 0) return { payload: f.inners[0]!, nextHeader: 59 };
  const payload = prng.pick(f.inners);
  if (f.sa.config.mode === 'transport') return { payload, nextHeader: 17 };
  return { payload, nextHeader: payload[0]! >> 4 === 6 ? 41 : 4, tfcPadTo: r === 5 ? payload.length + prng.int(100) : undefined };
}

/** A fresh, valid packet from the peer (CBC IVs from the PRNG, so the run is reproducible). */
export function sealFresh(prng: Prng, f: FuzzSa, esn = f.peerEsn): Buffer {
  const [hi, lo] = nextSeq(f);
  const inner = innerFor(prng, f);
  const iv = f.ivLength === 16 ? prng.bytes(16) : undefined;
  const packet = encapsulate(f.sender, { spi: f.sa.spi, seqHi: esn ? hi : 0, seqLo: lo, esn, ...inner, iv });
  remember(f, packet);
  return packet;
}

/** Authentic, but whatever is inside: random payload under a random next header. */
export function sealGarbage(fz: Fuzzer, f: FuzzSa): Buffer {
  const prng = fz.prng;
  const [hi, lo] = nextSeq(f);
  const nextHeader = prng.pick([4, 41, 6, 17, 59, 0, 146, 253, 255, prng.int(256)]);
  const iv = f.ivLength === 16 ? prng.bytes(16) : undefined;
  const esn = f.peerEsn;
  // Half of the time an inner packet with a few bytes changed: it gets past the first checks.
  const payload = prng.int(2) === 0 ? Buffer.from(noise(fz, prng.int(300))) : Buffer.from(prng.pick(f.inners));
  if (payload.length > 0) payload[prng.int(Math.min(payload.length, 48))] = prng.int(256);
  return encapsulate(f.sender, { spi: f.sa.spi, seqHi: esn ? hi : 0, seqLo: lo, esn, nextHeader, payload, iv });
}

/** Authentic with a broken trailer (pad length or padding bytes), via the RFC-written reference sealer. */
export function sealBadTrailer(prng: Prng, f: FuzzSa): Buffer {
  const [hi, lo] = nextSeq(f);
  const plaintext = referencePlaintext(f.spec, prng.pick(f.inners), f.sa.config.mode === 'tunnel' ? 4 : 17);
  plaintext[plaintext.length - 2 - prng.int(Math.min(3, plaintext.length - 1))] = prng.int(256);
  const esn = f.peerEsn;
  const iv = f.ivLength === 16 ? prng.bytes(16) : sequenceIv(esn ? hi : 0, lo).subarray(0, f.ivLength);
  return referenceSeal(f.spec, f.keys, { spi: f.sa.spi, seqHi: esn ? hi : 0, seqLo: lo, esn, iv, plaintext });
}

function remember(f: FuzzSa, packet: Buffer): void {
  if (f.pool.length < 8) f.pool.push(packet);
  else f.pool[(f.lo & 7)] = packet;
}

// ---- the verdict contract -------------------------------------------------------------

const WINERROR = new Map(fixtureRows().map((r) => [r.code, r]));
const STAGES = new Set(['parse', 'sa-lookup', 'sa-state', 'replay', 'integrity', 'trailer', 'selectors', 'policy', 'dos-guard']);
const CAUSES = new Set<string | null>([...CAUSE_IDS, null]);

function isU32(n: unknown): boolean {
  return typeof n === 'number' && (n >>> 0) === n;
}

/** Null when v keeps the contract for the input it answered; otherwise what is wrong. */
export function contractViolation(v: Verdict, input: Buffer): string | null {
  if (typeof v !== 'object' || v === null) return 'not a verdict object';
  switch (v.verdict) {
    case 'dropped': return dropViolation(v);
    case 'delivered':
      if (!Buffer.isBuffer(v.packet) || v.packet.length < 20) return 'delivered without an IP packet';
      if ((v.packet[0]! >> 4) !== 4 && (v.packet[0]! >> 4) !== 6) return 'delivered packet is not IPv4/IPv6';
      return seqViolation(v.spi, v.sa.spi, v.seqHi, v.seqLo);
    case 'dummy': return seqViolation(v.spi, v.sa.spi, v.seqHi, v.seqLo);
    case 'ike':
      return input.length >= 4 && input.readUInt32BE(0) === 0 && v.message.length === input.length - 4 ? null : 'ike verdict for a payload without the non-ESP marker';
    case 'keepalive': return input.length === 1 && input[0] === 0xff ? null : 'keepalive verdict for something else';
    default: return `unknown verdict ${JSON.stringify(v)}`;
  }
}

function seqViolation(spi: number, saSpi: number, hi: number, lo: number): string | null {
  return spi === saSpi && isU32(spi) && isU32(hi) && isU32(lo) ? null : 'bad SPI or sequence number in a verdict';
}

function dropViolation(v: Extract<Verdict, { verdict: 'dropped' }>): string | null {
  const k = v.kind;
  if (DROP_KINDS[k.id] !== k) return `kind ${String(k.id)} is not a catalog kind`;
  const row = WINERROR.get(k.code);
  if (!Number.isInteger(k.code) || k.code < 13800 || k.code > 13932 || row === undefined) return `code ${k.code} outside 13800-13932`;
  if (row.name !== k.name || row.hex !== k.hex) return `code ${k.code} named ${k.name} ${k.hex}, winerror.h says ${row.name} ${row.hex}`;
  if (typeof k.linuxCounter !== 'string' || (k.linuxCounter as string) === '' || !STAGES.has(k.stage)) return 'bad counter or stage';
  const d = v.diagnosis;
  if (typeof d.summary !== 'string' || d.summary.length === 0 || typeof d.nextStep !== 'string' || d.nextStep.length === 0) return 'empty summary or nextStep';
  if (typeof d.reason !== 'string' || d.reason === '' || !CAUSES.has(d.cause)) return `bad cause ${String(d.cause)} / reason ${d.reason}`;
  if (v.spi !== null && !isU32(v.spi)) return 'bad SPI';
  if (v.sa !== null && (v.sa.spi !== v.spi || v.sa.direction !== 'inbound')) return 'SA ref does not match the SPI';
  return evidenceViolation(d.evidence);
}

/** JSON-serialisable without loss: strings, finite numbers, booleans, null. */
function evidenceViolation(evidence: object): string | null {
  if (typeof evidence !== 'object' || evidence === null) return 'evidence is not an object';
  for (const [key, value] of Object.entries(evidence)) {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number' && Number.isFinite(value)) continue;
    return `evidence ${key} is ${String(value)}`;
  }
  return null;
}
