// Before opening /dev/net/tun: is this process allowed to, and is the device there? Checked
// up front so the user gets one clear message instead of an errno from deep inside.
import { existsSync, readFileSync } from 'node:fs';

import { TunError } from './tun-error.js';

export const TUN_DEVICE_PATH = '/dev/net/tun';

/** CAP_NET_ADMIN (linux/capability.h): creating interfaces, addresses and routes. */
const CAP_NET_ADMIN = 12n;

export interface TunAccessFacts {
  /** process.getuid(); null where there is none. */
  readonly uid: number | null;
  /** The effective capability set (CapEff of /proc/self/status); null if unknown. */
  readonly capEff: bigint | null;
  readonly deviceExists: boolean;
}

export function currentTunAccessFacts(): TunAccessFacts {
  return {
    uid: typeof process.getuid === 'function' ? process.getuid() : null,
    capEff: readCapEff(),
    deviceExists: existsSync(TUN_DEVICE_PATH),
  };
}

/** A TunError for why the device cannot be opened, or null when it can be tried. */
export function checkTunAccess(facts: TunAccessFacts): TunError | null {
  const privileged = facts.uid === 0 || (facts.capEff !== null && ((facts.capEff >> CAP_NET_ADMIN) & 1n) === 1n);
  if (!privileged) {
    return new TunError('not-root', `a TUN device needs root or CAP_NET_ADMIN (running as uid ${facts.uid ?? 'unknown'}). Run the daemon as root, grant CAP_NET_ADMIN (systemd: AmbientCapabilities=CAP_NET_ADMIN), or remove the tun: section and use the library API.`);
  }
  if (!facts.deviceExists) {
    return new TunError('no-device', `no ${TUN_DEVICE_PATH}: load the tun module (modprobe tun) / run the container with --device /dev/net/tun.`);
  }
  return null;
}

function readCapEff(): bigint | null {
  try {
    const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? BigInt(`0x${match[1]}`) : null;
  } catch {
    return null;
  }
}
