// `npm run bench`: every benchmark of the project in one run, each printing the comparison it
// needs in the same run (ours vs the bare node:crypto ceiling, as ratios: this machine is
// noisy and shared, so absolute numbers move; ratios measured side by side do not).
//
//   node --expose-gc dist/bench/run.js [--quick]
import { benchEsp } from './esp.js';
import { benchUnknownSpi } from './unknown-spi.js';
import { benchSad } from './sad.js';

const quick = process.argv.includes('--quick');

function pad(text: string | number, width: number, left = false): string {
  const s = String(text);
  return left ? s.padEnd(width) : s.padStart(width);
}

async function esp(): Promise<void> {
  console.log('\n== ESP encapsulate + decapsulate per packet, ours vs the node:crypto ceiling (same run) ==');
  console.log('ratio: median of paired batches (robust to the other core\'s load); sustained: all time, GC pauses included');
  console.log(`${pad('transform', 30, true)} ${pad('payload', 7)} ${pad('ours pkt/s', 12)} ${pad('ceiling pkt/s', 14)} ${pad('ratio', 7)} ${pad('sustained', 10)}`);
  const rows = await benchEsp({ seconds: quick ? 0.3 : 1.5 });
  for (const r of rows) {
    console.log(`${pad(r.transform, 30, true)} ${pad(r.payloadBytes, 7)} ${pad(r.oursPps, 12)} ${pad(r.ceilingPps, 14)} ${pad((r.ratio * 100).toFixed(1) + '%', 7)} ${pad((r.sustainedRatio * 100).toFixed(1) + '%', 10)}`);
  }
  const gcm1400 = rows.find((r) => r.transform === 'aes-gcm-128' && r.payloadBytes === 1400);
  if (gcm1400) {
    const worst = Math.min(gcm1400.ratio, gcm1400.sustainedRatio);
    console.log(`bar: 1400-byte AES-GCM-128 at >= 85% of the ceiling: ${(gcm1400.ratio * 100).toFixed(1)}% (sustained ${(gcm1400.sustainedRatio * 100).toFixed(1)}%) ${worst >= 0.85 ? 'MET' : 'NOT MET'}`);
  }
}

function unknownSpi(): void {
  console.log('\n== Unknown-SPI drops (BAD_SPI with its diagnosis), one core ==');
  for (const distinct of [1, 1024, 1_000_000]) {
    const r = benchUnknownSpi({ seconds: quick ? 0.5 : 2, distinctSpis: distinct });
    console.log(`${pad(distinct.toLocaleString('en-US'), 10)} distinct SPIs, ${r.installedSas.toLocaleString('en-US')} SAs installed: ${(r.dropsPerSecond / 1e6).toFixed(2)} M drops/s (${r.nsPerDrop.toFixed(0)} ns each)`);
  }
  console.log('bar: >= 2,000,000 drops/s');
}

function sad(): void {
  const count = quick ? 100_000 : 1_000_000;
  console.log(`\n== SA database with ${count.toLocaleString('en-US')} SAs (real keyed AES-GCM ciphers, ESN, window 64, lifetimes) ==`);
  const r = benchSad({ count, realCipher: true });
  console.log(`insert                 ${r.insertNsPerSa.toFixed(0).padStart(8)} ns per SA`);
  console.log(`lookup (random)        ${r.lookupNsPerOp.toFixed(0).padStart(8)} ns   (bar <= 1000 ns)`);
  console.log(`heap per SA            ${r.heapBytesPerSa.toFixed(0).padStart(8)} B    (bar <= 1024 B; SAD ${r.sadHeapBytesPerSa.toFixed(0)} B + config and cipher ${r.configHeapBytesPerSa.toFixed(0)} B)`);
  console.log(`native/buffers per SA  ${r.externalBytesPerSa.toFixed(0).padStart(8)} B    (arrayBuffers + external, outside the JS heap)`);
  console.log(`after one packet each  +${r.activeExtraHeapBytesPerSa.toFixed(0)} B heap, +${r.activeExtraExternalBytesPerSa.toFixed(0)} B buffers per SA`);
}

async function main(): Promise<void> {
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    console.error('run with node --expose-gc (npm run bench does) so memory can be measured');
    process.exitCode = 2;
    return;
  }
  console.log(`ipsec-ts benchmarks, node ${process.version}, ${new Date().toISOString()}${quick ? ' (quick)' : ''}`);
  await esp();
  unknownSpi();
  sad();
}

await main();
