// Writes the sample capture and its keys into examples/: `npm run example`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapngWriter, timeFromMs } from '../src/io/capture/writer.js';
import { LINKTYPE } from '../src/io/capture/link.js';
import { writeEspSaFile } from '../src/io/keys/esp-sa-write.js';
import { buildExampleScenario } from './example-scenario.js';

export function writeExample(dir: string): { capture: string; keys: string; frames: number } {
  const scenario = buildExampleScenario();
  const capture = join(dir, 'tunnel.pcapng');
  const keys = join(dir, 'esp_sa');
  const writer = PcapngWriter.create(capture, { interfaces: [{ linkType: LINKTYPE.ETHERNET, name: 'eth0' }] });
  for (const f of scenario.frames) writer.writePacket(0, f.ip, timeFromMs(f.timeMs));
  writer.close();
  writeFileSync(keys, writeEspSaFile(scenario.keys));
  const expected = scenario.frames.map((f, i) => JSON.stringify({ frame: i + 1, ...f.intent })).join('\n') + '\n';
  writeFileSync(join(dir, 'tunnel.expected.jsonl'), expected);
  return { capture, keys, frames: scenario.frames.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = writeExample(process.argv[2] ?? 'examples');
  console.log(`wrote ${out.capture} (${out.frames} frames) and ${out.keys}`);
}
