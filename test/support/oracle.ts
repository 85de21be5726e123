// Oracle availability for tests. Locally an oracle that is missing skips its tests with a
// visible message; in CI (IPSEC_TS_REQUIRE_ORACLES=1, set by .ci/run) a missing oracle fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export type OracleName = 'tshark' | 'scapy' | 'strongswan' | 'iperf3';

const probes: Record<OracleName, () => boolean> = {
  tshark: () => spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0,
  scapy: () => spawnSync('/usr/bin/python3', ['-c', 'import scapy.layers.ipsec'], { stdio: 'ignore' }).status === 0,
  // swanctl --version needs a running charon; the binaries being there is what tests need.
  strongswan: () => existsSync('/usr/lib/ipsec/charon') && spawnSync('swanctl', ['--help'], { stdio: 'ignore' }).status === 0,
  iperf3: () => spawnSync('iperf3', ['--version'], { stdio: 'ignore' }).status === 0,
};

const cache = new Map<OracleName, boolean>();

/**
 * True when the oracle can run. When it cannot: throws in CI, otherwise prints why the
 * dependent tests are skipped and returns false (use with describe.skipIf(!hasOracle(...))).
 */
export function hasOracle(name: OracleName): boolean {
  let ok = cache.get(name);
  if (ok === undefined) {
    ok = probes[name]();
    cache.set(name, ok);
  }
  if (ok) return true;
  const message = `oracle '${name}' is not installed; its tests are SKIPPED (install it: see .ci/run)`;
  if (process.env.IPSEC_TS_REQUIRE_ORACLES === '1') throw new Error(`${message}; CI requires every oracle`);
  console.warn(`\n*** ${message} ***\n`);
  return false;
}
