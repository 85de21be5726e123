// Reading the file: unreadable files become one issue with the reason and what to do; a file
// that holds keys and is readable by others gets a chmod 600 warning.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatConfigIssue, loadConfigFile } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'ipsec-ts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYED = `sas:\n  - { direction: in, spi: 4097, src: 192.0.2.1, dst: 192.0.2.2, transform: aes128gcm16, enc_key: ${'00'.repeat(20)} }\n`;
const isRoot = process.getuid?.() === 0;
const distLoad = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../../dist/src/config/load.js')).href;

/** As root, file modes do not stop reads: load the file as user nobody in a child process (built dist/). */
function loadAsNobody(path: string): string {
  const script = `import(${JSON.stringify(distLoad)}).then(async (m) => { const r = await m.loadConfigFile(${JSON.stringify(path)}); process.stdout.write(r.ok ? 'ok' : r.errors[0].message); })`;
  const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
  return r.stdout + r.stderr;
}

describe('loadConfigFile', () => {
  it('reports a missing file with the OS reason and what to do', async () => {
    const path = join(dir, 'nope.yaml');
    const r = await loadConfigFile(path);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(1);
      expect(formatConfigIssue(r.errors[0]!)).toBe(`${path}: cannot read the configuration: no such file (ENOENT); check the path, or start from examples/daemon/host-a.yaml`);
    }
  });

  it('reports a directory', async () => {
    const r = await loadConfigFile(dir);
    expect(!r.ok && r.errors[0]!.message).toContain('EISDIR');
  });

  it('reports a file it may not read (as root: read as user nobody)', async () => {
    const path = join(dir, 'secret.yaml');
    writeFileSync(path, KEYED);
    chmodSync(path, 0o000);
    if (isRoot) {
      expect(loadAsNobody(path)).toContain('permission denied (EACCES)');
      return;
    }
    const r = await loadConfigFile(path);
    expect(!r.ok && r.errors[0]!.message).toContain('permission denied (EACCES)');
  });

  it('warns that a keyed file readable by others needs chmod 600, and not once it is private', async () => {
    const path = join(dir, 'keys.yaml');
    writeFileSync(path, KEYED);
    chmodSync(path, 0o644);
    const open = await loadConfigFile(path);
    expect(open.ok && open.warnings[0]).toBe(`${path}: holds SA keys and is readable by other users (mode 0644); run chmod 600 ${path}`);
    chmodSync(path, 0o640);
    const group = await loadConfigFile(path);
    expect(group.ok && group.warnings[0]).toContain('readable by its group (mode 0640)');
    chmodSync(path, 0o600);
    const closed = await loadConfigFile(path);
    expect(closed.ok && closed.warnings.filter((w) => w.includes('chmod'))).toEqual([]);
  });

  it('does not warn about the mode of a file without keys', async () => {
    const path = join(dir, 'nokeys.yaml');
    writeFileSync(path, 'log:\n  level: debug\n');
    chmodSync(path, 0o644);
    const r = await loadConfigFile(path);
    expect(r.ok && r.warnings).toEqual([]);
  });

  it('names the file in every issue and resolves paths from its folder', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'state_dir: st\nlog:\n  level: loud\n');
    const r = await loadConfigFile(path);
    expect(!r.ok && r.errors.map(formatConfigIssue)).toEqual([`${path}:3:3: log.level: expected 'trace', 'debug', 'info', 'warn', 'error', 'fatal' or 'silent', got 'loud'`]);
    writeFileSync(path, 'state_dir: st\n');
    const good = await loadConfigFile(path);
    expect(good.ok && good.config.stateDir).toBe(join(dir, 'st'));
  });
});
