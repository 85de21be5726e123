// Runs fixtures/ikev2_reference.py (an independent IKEv2 reference written from the RFC text,
// hashlib/hmac + python `cryptography`) on a batch of requests. Missing python: the dependent
// tests are skipped visibly, or fail in CI (IPSEC_TS_REQUIRE_ORACLES=1).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'ikev2_reference.py');
const PYTHON = '/usr/bin/python3';

let available: boolean | undefined;

export function hasPythonReference(): boolean {
  available ??= spawnSync(PYTHON, ['-c', 'import hashlib, hmac, cryptography'], { stdio: 'ignore' }).status === 0;
  if (available) return true;
  const message = `${PYTHON} with the 'cryptography' package is missing; the IKEv2 reference tests are SKIPPED`;
  if (process.env.IPSEC_TS_REQUIRE_ORACLES === '1') throw new Error(`${message}; CI requires every oracle`);
  console.warn(`\n*** ${message} ***\n`);
  return false;
}

export type Answer = Record<string, string | number>;

export function reference(requests: readonly Record<string, unknown>[]): Answer[] {
  const r = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(requests), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ikev2_reference.py failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Answer[];
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string | number | undefined): Buffer => Buffer.from(String(s), 'hex');
