// The example configurations in examples/daemon/ load without errors, and hosts A and B are
// mirror images: A's outbound SA is B's inbound SA with the same SPI and key, and back.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatConfigIssue, loadConfigFile } from '../../src/config/load.js';
import type { DaemonConfig } from '../../src/config/types.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/daemon');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

async function load(file: string): Promise<DaemonConfig> {
  const r = await loadConfigFile(join(dir, file));
  if (!r.ok) throw new Error(r.errors.map(formatConfigIssue).join('\n'));
  return r.config;
}

describe('examples/daemon', () => {
  it('has the two hosts and the library-API example', () => {
    expect(files).toEqual(expect.arrayContaining(['host-a.yaml', 'host-b.yaml', 'library-api.yaml']));
  });

  it.each(files)('%s loads with no errors and no warnings but the file mode one', async (file) => {
    const r = await loadConfigFile(join(dir, file));
    expect(r.ok ? [] : r.errors.map(formatConfigIssue)).toEqual([]);
    if (r.ok) expect(r.warnings.filter((w) => !w.includes('chmod 600'))).toEqual([]);
  });

  it('pairs host A and host B SA for SA', async () => {
    const [a, b] = [await load('host-a.yaml'), await load('host-b.yaml')];
    for (const sa of a.sas) {
      const twin = b.sas.find((s) => s.spi === sa.spi)!;
      expect(twin.direction).not.toBe(sa.direction);
      expect([twin.src, twin.dst]).toEqual([sa.src, sa.dst]);
      expect(Buffer.from(twin.keys.encryptionKey)).toEqual(Buffer.from(sa.keys.encryptionKey));
      expect(twin.transform).toEqual(sa.transform);
    }
    expect(a.tun?.routes).toEqual(['10.2.0.0/24']);
    expect(b.tun?.routes).toEqual(['10.1.0.0/24']);
  });

  it('runs the library-API example without a TUN device, state next to the file', async () => {
    const c = await load('library-api.yaml');
    expect(c.tun).toBeNull();
    expect(c.stateDir).toBe(join(dir, 'state'));
  });
});
