// A daemon without connections runs no IKE: the IKE verbs and methods say so and what to do,
// and the verbs that only add IKE to their output (sa list, status, keys export) work as before.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlRemoteError, connectControl } from '../../src/endpoint/control/client.js';
import { startControlServer } from '../../src/endpoint/control/server.js';
import { fakeEndpoint, runVerbs, tempDir } from './support.js';
import type { TempDir } from './support.js';

let t: TempDir;
let path: string;
let close: () => Promise<void>;

beforeEach(async () => {
  t = tempDir();
  path = join(t.dir, 'control.sock');
  const server = await startControlServer({ path, handlers: fakeEndpoint().handlers });
  close = () => server.close();
});

afterEach(async () => {
  await close();
  t.remove();
});

const run = (...args: string[]) => runVerbs([...args, '--socket', path]);
const NO_IKE = 'this daemon runs no IKE: its config has no connections. Add a `connections:` section (docs/CONFIG.md, examples/daemon/ikev2-psk-west.yaml) and restart it with `ipsec-ts up -c <config>`';

describe('a daemon without IKE', () => {
  it('refuses initiate, terminate and rekey with exit 1, saying it has no connections and what to do', async () => {
    for (const verb of ['initiate', 'terminate', 'rekey']) {
      const r = await run(verb, 'west-east');
      expect({ verb, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ verb, code: 1, stderr: `ipsec-ts: the daemon refused (unavailable): ${NO_IKE}\n`, stdout: '' });
    }
  });

  it('answers ike.list and ike.events with unavailable, and refuses to follow IKE events', async () => {
    const c = await connectControl(path);
    await expect(c.call('ike.list')).rejects.toEqual(new ControlRemoteError('unavailable', NO_IKE));
    await expect(c.call('ike.events', {})).rejects.toEqual(new ControlRemoteError('unavailable', NO_IKE));
    await expect(c.follow('ike.events', {}, () => undefined)).rejects.toEqual(new ControlRemoteError('unavailable', NO_IKE));
    c.close();
  });

  it('sa list shows only the ESP SAs and status says IKE is off', async () => {
    const list = await run('sa', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain('IKE');
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+DIR\s+SPI/);
    expect(JSON.parse((await run('sa', 'list', '--json')).stdout).ike).toBeNull();
    expect((await run('status')).stdout).toContain('IKE:        none (no connections configured)\n');
  });

  it('keys export writes only the esp_sa file, and no ikev2_decryption_table', async () => {
    const file = join(t.dir, 'esp_sa');
    const r = await run('keys', 'export', '-o', file);
    expect(r.code).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(existsSync(join(t.dir, 'ikev2_decryption_table'))).toBe(false);
    expect(r.stderr).not.toContain('IKE');
    expect(JSON.parse((await run('keys', 'export', '--json')).stdout)).toMatchObject({ format: 'esp_sa', ikev2: null });
  });
});
