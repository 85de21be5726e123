// SAD benchmark: insert time, random inbound lookups and memory per SA with `count` SAs.
//
//   npx tsc -p tsconfig.build.json && node --expose-gc dist/bench/sad.js [count] [--listener]
//
// Memory is measured with global.gc() before and after, and reported in two parts:
// heapUsed (JS objects: SA records, configs, Map entries, typed-array objects) and
// arrayBuffers/external (the bytes behind typed arrays: keys, replay bitmaps). Each SA gets
// its own key buffers and its own cipher object (a plain object here: the real keyed
// cipher of esp/ costs more and is not measured). Bars: <= 1 KiB heap per SA, lookup <= 1 µs.
import { randomFillSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { EspCipher } from '../src/esp/cipher.js';
import { createEspCipher } from '../src/esp/cipher.js';
import type { TransformSpec } from '../src/esp/transform-spec.js';
import { SaDatabase } from '../src/sad/sad.js';
import type { SaConfig } from '../src/sad/sa.js';
import type { SecurityAssociation } from '../src/sad/sa.js';

export interface SadBenchResult {
  readonly count: number;
  /** Time of SaDatabase.add per SA (config validation, map insert, timer scheduling). */
  readonly insertNsPerSa: number;
  /** Time of SaDatabase.allocateSpi per SPI (random batch + collision checks). */
  readonly allocateNsPerSpi: number;
  /** One lookupInbound(spi, dst) with a random installed SPI and a fresh dst string. */
  readonly lookupNsPerOp: number;
  /** heapUsed growth per installed SA before any traffic: its config (keys, cipher object) plus the SAD's part. */
  readonly heapBytesPerSa: number;
  /** The part of heapBytesPerSa that is the caller's SaConfig (with its per-SA keys and cipher stand-in). */
  readonly configHeapBytesPerSa: number;
  /** The part of heapBytesPerSa that the SAD adds (record, replay window object, Map entry, timer). */
  readonly sadHeapBytesPerSa: number;
  /** arrayBuffers + external growth per installed SA before any traffic. */
  readonly externalBytesPerSa: number;
  /** Extra heapUsed per SA once each SA received one packet (replay bitmap, first-use time). */
  readonly activeExtraHeapBytesPerSa: number;
  /** Extra arrayBuffers + external per SA after that packet. */
  readonly activeExtraExternalBytesPerSa: number;
}

// Shared by all SAs, as a policy's settings are: the transform, the lifetimes, NAT-T ports.
const GCM: TransformSpec = { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' };
const SOFT = { addSeconds: 3000, bytes: 4e9 };
const HARD = { addSeconds: 3600 };
const NAT_T = { srcPort: 4500, dstPort: 4500 };
const NO_KEY = Buffer.alloc(0);
const DESTINATIONS = 256;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run node with --expose-gc to measure memory');
  g();
  g();
}

interface Memory {
  heap: number;
  external: number;
}

function memory(): Memory {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.arrayBuffers + m.external };
}

function dstText(i: number): string {
  return `10.${(i >> 8) & 255}.${i & 255}.1`;
}

/**
 * One realistic config: its own keys (GCM-128 + salt, sliced from Node's buffer pool) and
 * cipher: the real keyed cipher of esp/ (realCipher) or a plain stand-in (to isolate the SAD).
 */
function makeConfig(spi: number, i: number, realCipher: boolean): SaConfig {
  const encryptionKey = randomFillSync(Buffer.allocUnsafe(20));
  const cipher = realCipher
    ? createEspCipher(GCM, { encryptionKey, integrityKey: NO_KEY })
    : { spec: GCM, ivLength: 8, icvLength: 16, alignment: 4, aead: true } as EspCipher;
  return {
    spi,
    direction: 'inbound',
    src: '192.0.2.1',
    dst: dstText(i % DESTINATIONS),
    mode: 'tunnel',
    encapsulation: NAT_T,
    transform: GCM,
    keys: { encryptionKey, integrityKey: NO_KEY },
    cipher,
    esn: true,
    replayWindow: 64,
    soft: SOFT,
    hard: HARD,
    label: null,
  };
}

function timeNs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start);
}

interface Inserted {
  readonly sas: SecurityAssociation[];
  readonly allocNs: number;
  readonly insertNs: number;
  /** Memory before the configs, after the configs, after add(). */
  readonly mem: readonly [Memory, Memory, Memory];
}

/** SPIs first (their larval reservations then time out), then configs, then add(): each measured. */
function insert(sad: SaDatabase, count: number, now: number, realCipher: boolean): Inserted {
  const spis = new Array<number>(count);
  const allocNs = timeNs(() => {
    for (let i = 0; i < count; i++) spis[i] = sad.allocateSpi(now);
  });
  sad.tick(now + sad.larvalTimeoutMs); // steady state: no reservations left over
  const sas = new Array<SecurityAssociation>(count).fill(undefined as unknown as SecurityAssociation);
  const m0 = memory();
  const configs = spis.map((spi, i) => makeConfig(spi, i, realCipher));
  const m1 = memory();
  const at = now + sad.larvalTimeoutMs;
  const insertNs = timeNs(() => {
    for (let i = 0; i < count; i++) sas[i] = sad.add(configs[i]!, at);
  });
  const m2 = memory();
  return { sas, allocNs, insertNs, mem: [m0, m1, m2] };
}

function lookups(sad: SaDatabase, sas: readonly SecurityAssociation[], ops: number): number {
  // Fresh dst strings (not the SA's own string objects), as a parsed packet would give.
  const spis = new Uint32Array(ops);
  const dsts = new Array<string>(ops);
  for (let i = 0; i < ops; i++) {
    const sa = sas[Math.floor(Math.random() * sas.length)]!;
    spis[i] = sa.spi;
    dsts[i] = `${sa.config.dst!}`.split('').join('');
  }
  let found = 0;
  const warm = Math.min(ops, 100_000);
  for (let i = 0; i < warm; i++) if (sad.lookupInbound(spis[i]!, dsts[i]!) !== undefined) found++;
  found = 0;
  const ns = timeNs(() => {
    for (let i = 0; i < ops; i++) if (sad.lookupInbound(spis[i]!, dsts[i]!) !== undefined) found++;
  });
  if (found !== ops) throw new Error(`lookup found ${found} of ${ops}`);
  return ns / ops;
}

/** One packet per SA: replay check + commit (allocates the bitmap) and accounting. */
function touch(sad: SaDatabase, sas: readonly SecurityAssociation[], now: number): void {
  for (const sa of sas) {
    const hi = sa.replay!.check(1);
    sa.replay!.commit(hi, 1);
    sad.account(sa, 1400, now);
  }
}

/**
 * opts.withListener subscribes to events, as a daemon does: every 'added' event then carries
 * the SA's cached SaRef, which stays with the SA (without a listener it is built on demand).
 */
export function benchSad(opts: { count: number; withListener?: boolean; realCipher?: boolean }): SadBenchResult {
  const { count } = opts;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`opts.count must be an integer >= 1, got ${count}`);
  const now = Date.now();
  const sad = new SaDatabase();
  let events = 0;
  if (opts.withListener === true) sad.onEvent(() => events++);
  const { sas, allocNs, insertNs, mem } = insert(sad, count, now, opts.realCipher ?? true);
  const [m0, m1, m2] = mem;
  const lookupNs = lookups(sad, sas, Math.min(2_000_000, count * 2));
  const afterLookups = memory();
  touch(sad, sas, now + sad.larvalTimeoutMs + 1);
  const active = memory();
  if (sad.size !== count) throw new Error(`expected ${count} SAs, have ${sad.size}`);
  if (opts.withListener === true && events < count) throw new Error(`expected ${count} events, saw ${events}`);
  return {
    count,
    insertNsPerSa: insertNs / count,
    allocateNsPerSpi: allocNs / count,
    lookupNsPerOp: lookupNs,
    heapBytesPerSa: (m2.heap - m0.heap) / count,
    externalBytesPerSa: (m2.external - m0.external) / count,
    configHeapBytesPerSa: (m1.heap - m0.heap) / count,
    sadHeapBytesPerSa: (m2.heap - m1.heap) / count,
    activeExtraHeapBytesPerSa: (active.heap - afterLookups.heap) / count,
    activeExtraExternalBytesPerSa: (active.external - afterLookups.external) / count,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const count = Number(args.find((a) => !a.startsWith('--')) ?? 1_000_000);
  const withListener = args.includes('--listener');
  const r = benchSad({ count, withListener, realCipher: !args.includes('--stand-in-cipher') });
  const line = (name: string, value: number, unit: string, bar?: string): void => {
    console.log(`${name.padEnd(34)} ${value.toFixed(1).padStart(10)} ${unit}${bar ? `   (bar ${bar})` : ''}`);
  };
  console.log(`SAD benchmark, ${count.toLocaleString('en-US')} inbound SAs (ESN, window 64, soft+hard lifetimes)` +
    `${withListener ? ', with an event listener' : ''}, node ${process.version}`);
  line('insert (add)', r.insertNsPerSa, 'ns/SA');
  line('allocateSpi', r.allocateNsPerSpi, 'ns/SPI');
  line('lookupInbound (random)', r.lookupNsPerOp, 'ns/op', '<= 1000 ns');
  line('heapUsed per SA (installed)', r.heapBytesPerSa, 'B', '<= 1024 B');
  line('  of which the caller\'s SaConfig', r.configHeapBytesPerSa, 'B');
  line('  of which the SAD', r.sadHeapBytesPerSa, 'B');
  line('arrayBuffers+external per SA', r.externalBytesPerSa, 'B');
  line('+ heapUsed per SA after 1 packet', r.activeExtraHeapBytesPerSa, 'B');
  line('+ arrayBuffers+ext after 1 packet', r.activeExtraExternalBytesPerSa, 'B');
  const ok = r.lookupNsPerOp <= 1000 && r.heapBytesPerSa + r.activeExtraHeapBytesPerSa <= 1024;
  console.log(ok ? 'bars met (heap counted with the per-SA bitmap allocated)' : 'BARS NOT MET');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
