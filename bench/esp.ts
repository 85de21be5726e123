// ESP engine throughput against the bare node:crypto ceiling, measured in the same run.
// One "packet" is encapsulate() into a reused send buffer + decapsulate() (ours), or the minimal
// node:crypto calls the transform needs for one seal and one open (ceiling):
//   AEAD:        createCipheriv + setAAD + update + final + getAuthTag, then
//                createDecipheriv + setAAD + setAuthTag + update + final;
//   AES-GMAC:    the same with the whole packet as AAD and no update (nothing is encrypted);
//   CBC/CTR:     one encrypt + one HMAC to seal, one HMAC + one decrypt to open;
//   NULL:        one HMAC each way.
// The machine is shared and noisy, so ours and the ceiling run interleaved in batches of 8
// packets, each batch of ours paired with the adjacent batch of the ceiling; the row reports
// medians (see compare()), which drop batches hit by preemption or a GC pause.
// Run: npx tsc -p tsconfig.build.json && node dist/bench/esp.js [seconds-per-row] [transform ...]
import type { KeyObject } from 'node:crypto';
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createEspCipher } from '../src/esp/cipher.js';
import { decapsulate } from '../src/esp/decapsulate.js';
import { encapsulate } from '../src/esp/encapsulate.js';
import type { KeyMaterial, TransformSpec } from '../src/esp/transform-spec.js';
import { HMAC_PARAMETERS } from '../src/esp/transforms/integrity.js';

export interface EspBenchRow {
  transform: string;
  payloadBytes: number;
  oursPps: number;
  ceilingPps: number;
  /** Median of paired-batch ratios (robust to preemption; leaves out GC pauses). */
  ratio: number;
  /** Total ceiling time / total ours time over the same interleaved run (GC pauses included). */
  sustainedRatio: number;
}

const SIZES = [64, 512, 1400] as const;

const TRANSFORMS: readonly [string, TransformSpec][] = [
  ['aes-gcm-128', { encryption: 'aes-gcm', keyBits: 128, integrity: 'none' }],
  ['aes-gcm-256', { encryption: 'aes-gcm', keyBits: 256, integrity: 'none' }],
  ['chacha20-poly1305', { encryption: 'chacha20-poly1305', integrity: 'none' }],
  ['aes-gmac-128', { encryption: 'aes-gmac', keyBits: 128, integrity: 'none' }],
  ['aes-cbc-128+hmac-sha256-128', { encryption: 'aes-cbc', keyBits: 128, integrity: 'hmac-sha256-128' }],
  ['aes-cbc-256+hmac-sha512-256', { encryption: 'aes-cbc', keyBits: 256, integrity: 'hmac-sha512-256' }],
  ['aes-ctr-128+hmac-sha1-96', { encryption: 'aes-ctr', keyBits: 128, integrity: 'hmac-sha1-96' }],
  ['null+hmac-sha256-128', { encryption: 'null', integrity: 'hmac-sha256-128' }],
];

/** Consumed so that no work can be optimised away. */
let sink = 0;

function keysFor(spec: TransformSpec): KeyMaterial {
  const salted = spec.encryption !== 'aes-cbc' && spec.encryption !== 'null';
  const keyBytes = spec.encryption === 'null' ? 0 : spec.encryption === 'chacha20-poly1305' ? 32 : (spec.keyBits ?? 128) / 8;
  const integrity = spec.integrity === 'none' ? 0 : HMAC_PARAMETERS[spec.integrity].keyLength;
  return { encryptionKey: randomBytes(keyBytes + (salted ? 4 : 0)), integrityKey: randomBytes(integrity) };
}

/** ours: one encapsulate + one decapsulate, with a fresh sequence number per packet. */
function oursLoop(spec: TransformSpec, keys: KeyMaterial, payloadBytes: number): () => void {
  const cipher = createEspCipher(spec, keys);
  const payload = randomBytes(payloadBytes);
  let seqLo = 1;
  // Sealed into a reused send buffer, as a sender with a ring of send buffers does.
  const out = Buffer.alloc(payloadBytes + 128);
  return () => {
    const packet = encapsulate(cipher, { spi: 0x1000, seqHi: 0, seqLo: seqLo++, esn: false, nextHeader: 4, payload, out });
    const r = decapsulate(cipher, packet, 0, false);
    sink ^= r.ok ? r.payload.length : -1;
  };
}

/** Bytes encrypted per packet: payload + padding + 2 (RFC 4303 2.4). */
function plaintextBytes(payloadBytes: number, alignment: number): number {
  return Math.ceil((payloadBytes + 2) / alignment) * alignment;
}

function aeadCeiling(name: string, key: KeyObject | Buffer, ptLength: number, tagLength: number): () => void {
  const nonce = randomBytes(12);
  const aad = randomBytes(8);
  const plaintext = randomBytes(ptLength);
  const options = { authTagLength: tagLength };
  return () => {
    const c = createCipheriv(name as 'aes-128-gcm', key, nonce, options);
    c.setAAD(aad);
    const ct = c.update(plaintext);
    c.final();
    const tag = c.getAuthTag();
    const d = createDecipheriv(name as 'aes-128-gcm', key, nonce, options);
    d.setAAD(aad);
    d.setAuthTag(tag);
    sink ^= d.update(ct).length;
    d.final();
  };
}

function gmacCeiling(name: string, key: Buffer, aadLength: number): () => void {
  const nonce = randomBytes(12);
  const aad = randomBytes(aadLength);
  return () => {
    const c = createCipheriv(name as 'aes-128-gcm', key, nonce);
    c.setAAD(aad);
    c.final();
    const d = createDecipheriv(name as 'aes-128-gcm', key, nonce);
    d.setAAD(aad);
    d.setAuthTag(c.getAuthTag());
    d.final();
    sink ^= 1;
  };
}

function separateCeiling(spec: TransformSpec, keys: KeyMaterial, ptLength: number): () => void {
  if (spec.integrity === 'none') throw new Error('bench: separate integrity needs an HMAC');
  const hash = HMAC_PARAMETERS[spec.integrity].hash;
  const ivLength = spec.encryption === 'aes-cbc' ? 16 : spec.encryption === 'aes-ctr' ? 8 : 0;
  const cipherName = spec.encryption === 'null' ? null : `aes-${spec.keyBits}-${spec.encryption === 'aes-cbc' ? 'cbc' : 'ctr'}`;
  const key = Buffer.from(keys.encryptionKey.subarray(0, (spec.keyBits ?? 128) / 8));
  const iv = randomBytes(16);
  const plaintext = randomBytes(ptLength);
  const covered = randomBytes(8 + ivLength + ptLength); // header || IV || ciphertext
  const ik = Buffer.from(keys.integrityKey);
  return () => {
    if (cipherName !== null) {
      const c = createCipheriv(cipherName, key, iv).setAutoPadding(false);
      sink ^= c.update(plaintext).length;
      c.final();
    }
    const icv = createHmac(hash, ik).update(covered).digest();
    sink ^= icv[0]! ^ createHmac(hash, ik).update(covered).digest()[0]!;
    if (cipherName !== null) {
      const d = createDecipheriv(cipherName, key, iv).setAutoPadding(false);
      sink ^= d.update(plaintext).length;
      d.final();
    }
  };
}

function ceilingLoop(spec: TransformSpec, keys: KeyMaterial, payloadBytes: number): () => void {
  const cipher = createEspCipher(spec, keys);
  const ptLength = plaintextBytes(payloadBytes, cipher.alignment);
  const ek = Buffer.from(keys.encryptionKey);
  if (spec.encryption === 'aes-gcm') return aeadCeiling(`aes-${spec.keyBits}-gcm`, ek.subarray(0, -4), ptLength, cipher.icvLength);
  if (spec.encryption === 'chacha20-poly1305') return aeadCeiling('chacha20-poly1305', ek.subarray(0, -4), ptLength, 16);
  if (spec.encryption === 'aes-gmac') return gmacCeiling(`aes-${spec.keyBits}-gcm`, ek.subarray(0, -4), 16 + ptLength);
  return separateCeiling(spec, keys, ptLength);
}

const BATCH = 8;

/** Runs f BATCH times; returns the elapsed milliseconds. */
function batch(f: () => void): number {
  const start = performance.now();
  for (let i = 0; i < BATCH; i++) f();
  return performance.now() - start;
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Interleaves batches of a and b (a, b, b, a, a, b, ...) for about `seconds` and pairs each
 * batch of a with the adjacent batch of b. A batch the scheduler preempted (another process
 * on our 2 shared cores) or a GC pause landed in is an outlier of its pair, so the medians
 * ignore it: pps are from the median batch times, ratio is the median of the pair ratios.
 */
export function compare(a: () => void, b: () => void, seconds: number): { aPps: number; bPps: number; ratio: number; sustainedRatio: number } {
  for (let i = 0; i < 500; i++) { a(); b(); } // JIT warm-up
  const ta: number[] = [];
  const tb: number[] = [];
  const ratios: number[] = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    let x: number;
    let y: number;
    if (i % 2 === 0) { x = batch(a); y = batch(b); } else { y = batch(b); x = batch(a); }
    ta.push(x);
    tb.push(y);
    ratios.push(y / x); // a's speed relative to b's
  }
  // The sustained ratio keeps every batch, GC pauses included: ours allocates more than the
  // bare calls (a real packet per seal), and that cost belongs to us.
  const sum = (v: number[]): number => v.reduce((x, y) => x + y, 0);
  return { aPps: (BATCH * 1000) / median(ta), bPps: (BATCH * 1000) / median(tb), ratio: median(ratios), sustainedRatio: sum(tb) / sum(ta) };
}

/**
 * `seconds` is the measuring time per row (ours and ceiling together); `only` restricts the
 * run to the named transforms (names as in the table).
 */
export async function benchEsp(opts: { seconds: number; only?: readonly string[] }): Promise<EspBenchRow[]> {
  const rows: EspBenchRow[] = [];
  for (const [transform, spec] of TRANSFORMS) {
    if (opts.only !== undefined && !opts.only.includes(transform)) continue;
    for (const payloadBytes of SIZES) {
      const keys = keysFor(spec);
      const m = compare(oursLoop(spec, keys, payloadBytes), ceilingLoop(spec, keys, payloadBytes), opts.seconds);
      rows.push({ transform, payloadBytes, oursPps: Math.round(m.aPps), ceilingPps: Math.round(m.bPps), ratio: m.ratio, sustainedRatio: m.sustainedRatio });
      await new Promise((resolve) => setImmediate(resolve)); // let the event loop breathe between rows
    }
  }
  return rows;
}

/** KeyObject (createSecretKey) against raw Buffer keys, same calls otherwise: ratio > 1 favours KeyObject. */
export function benchKeyForms(seconds: number): { operation: string; keyObjectPps: number; bufferPps: number; ratio: number }[] {
  const raw = randomBytes(16);
  const gcm = compare(aeadCeiling('aes-128-gcm', createSecretKey(raw), 1404, 16), aeadCeiling('aes-128-gcm', raw, 1404, 16), seconds);
  const hk = randomBytes(32);
  const data = randomBytes(1436);
  const hmac = (key: KeyObject | Buffer) => () => { sink ^= createHmac('sha256', key).update(data).digest()[0]!; };
  const h = compare(hmac(createSecretKey(hk)), hmac(hk), seconds);
  return [
    { operation: 'aes-128-gcm seal+open 1404 B', keyObjectPps: Math.round(gcm.aPps), bufferPps: Math.round(gcm.bPps), ratio: gcm.ratio },
    { operation: 'hmac-sha256 1436 B', keyObjectPps: Math.round(h.aPps), bufferPps: Math.round(h.bPps), ratio: h.ratio },
  ];
}

function printTable(rows: EspBenchRow[]): void {
  console.log('transform                      payload   ours pkt/s  ceiling pkt/s  ratio');
  for (const r of rows) {
    console.log(`${r.transform.padEnd(30)} ${String(r.payloadBytes).padStart(7)} ${String(r.oursPps).padStart(12)} ${String(r.ceilingPps).padStart(14)}  ${(r.ratio * 100).toFixed(1).padStart(5)}%`);
  }
}

/** node dist/bench/esp.js [seconds-per-row] [transform ...] */
async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? '1');
  if (!(seconds > 0)) throw new RangeError(`seconds per row must be a positive number; got ${process.argv[2]}`);
  const only = process.argv.length > 3 ? process.argv.slice(3) : undefined;
  printTable(await benchEsp({ seconds, only }));
  console.log('\nkey form (KeyObject vs Buffer)        KeyObject pkt/s   Buffer pkt/s  ratio');
  for (const k of benchKeyForms(seconds)) {
    console.log(`${k.operation.padEnd(36)} ${String(k.keyObjectPps).padStart(15)} ${String(k.bufferPps).padStart(14)}  ${(k.ratio * 100).toFixed(1).padStart(5)}%`);
  }
  console.log(`(sink ${sink & 1})`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
