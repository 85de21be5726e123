// Runs tshark on a capture with an esp_sa key table placed in a throw-away Wireshark profile
// (tshark reads $XDG_CONFIG_HOME/wireshark/esp_sa), so several key lines apply at once.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tsharkFields(capture: string, espSa: string, fields: readonly string[], extra: readonly string[] = []): string[][] {
  const home = mkdtempSync(join(tmpdir(), 'ipsec-ts-tshark-'));
  mkdirSync(join(home, '.config', 'wireshark'), { recursive: true });
  writeFileSync(join(home, '.config', 'wireshark', 'esp_sa'), espSa);
  const args = [
    '-r', capture, '-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE',
    ...extra, '-T', 'fields', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f]),
  ];
  const r = spawnSync('tshark', args, { encoding: 'utf8', env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') } });
  rmSync(home, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}
