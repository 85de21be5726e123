// Interface configuration (MTU, link up, addresses, routes) by running iproute2's `ip`, with
// argument arrays and no shell. Netlink from Node would need another addon; `ip` is on every
// host that has a TUN device and its messages are the ones admins know.
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';

import { TunError, nameTooLong } from './tun-error.js';

/** The device part of the daemon's configuration (config/types.ts TunConfig has this shape). */
export interface TunDeviceConfig {
  /** Interface name, at most 15 bytes. */
  readonly name: string;
  /** Addresses on the device, CIDR text (10.1.0.1/32, fd00::1/128). */
  readonly addresses: readonly string[];
  readonly mtu: number;
  /** Prefixes routed into the device, CIDR text. */
  readonly routes: readonly string[];
}

export type IpResult = { readonly ok: true } | { readonly ok: false; readonly detail: string };

/** Runs `ip` with these arguments. */
export type IpRunner = (args: readonly string[]) => Promise<IpResult>;

/** Linux IFNAMSIZ - 1. */
export const MAX_INTERFACE_NAME_BYTES = 15;
const MIN_MTU = 68; // RFC 791: every IPv4 host must take 68-byte datagrams
const MIN_MTU_IPV6 = 1280; // RFC 8200 5: below this the kernel turns IPv6 off on the device

/** Checks the configuration before anything is opened; throws TunError. */
export function validateTunDeviceConfig(config: TunDeviceConfig): void {
  const name = config.name;
  if (Buffer.byteLength(name) > MAX_INTERFACE_NAME_BYTES) throw nameTooLong(name);
  // The kernel's dev_valid_name(): no '/', ':' or white space, not '.' or '..'.
  if (name === '' || name === '.' || name === '..' || /[/:\s]/.test(name)) {
    throw new TunError('open-failed', `tun.name '${name}' is not a valid interface name: use letters, digits, '-' or '_' (e.g. ipsec0).`);
  }
  const hasIpv6 = config.addresses.some((a) => a.includes(':'));
  const minimum = hasIpv6 ? MIN_MTU_IPV6 : MIN_MTU;
  if (!Number.isInteger(config.mtu) || config.mtu < minimum || config.mtu > 65535) {
    throw new TunError('configure-failed', `tun.mtu ${config.mtu} is out of range: use ${minimum}..65535${hasIpv6 ? ' (IPv6 needs at least 1280)' : ''}; 1400 suits ESP in UDP over a 1500-byte path.`);
  }
  for (const [field, list] of [['tun.addresses', config.addresses], ['tun.routes', config.routes]] as const) {
    for (const prefix of list) {
      if (!isPrefix(prefix)) throw new TunError('configure-failed', `${field}: '${prefix}' is not an address with a prefix length (e.g. 10.1.0.1/24 or fd00::1/64).`);
    }
  }
}

/**
 * Packets the device holds for our reader (its txqueuelen; Linux gives a TUN device 500). The
 * reader is a thread of a busy process and is sometimes scheduled late: at 150 Mbit/s of 1300-byte
 * datagrams on a shared 2-core machine, 500 overflowed (3,900 to 9,600 drops per 5 s in
 * bench/tunnel/profile.ts), 5,000 did not. Room costs memory only while packets wait in it.
 */
export const TUN_TX_QUEUE_PACKETS = 5000;

/** The `ip` commands that configure the device, in order. */
export function interfaceCommands(config: TunDeviceConfig): string[][] {
  const dev = config.name;
  return [
    ['link', 'set', 'dev', dev, 'mtu', String(config.mtu), 'txqueuelen', String(TUN_TX_QUEUE_PACKETS), 'up'],
    // replace, not add: idempotent when a persistent device already has the address.
    ...config.addresses.map((a) => ['addr', 'replace', a, 'dev', dev]),
    ...config.routes.map((r) => ['route', 'replace', r, 'dev', dev]),
  ];
}

/** Runs the commands in order; the first failure throws TunError('configure-failed'). */
export async function configureInterface(config: TunDeviceConfig, run: IpRunner = runIp): Promise<void> {
  for (const args of interfaceCommands(config)) {
    const result = await run(args);
    if (!result.ok) {
      throw new TunError('configure-failed', `configuring TUN device '${config.name}' failed: 'ip ${args.join(' ')}': ${result.detail}. Fix tun: in the configuration (or the conflicting address/route on this host) and start again.`);
    }
  }
}

/** `ip` from PATH, no shell; stderr becomes the detail of a failure. */
export function runIp(args: readonly string[]): Promise<IpResult> {
  return new Promise((resolve) => {
    execFile('ip', [...args], { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve({ ok: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve({ ok: false, detail: "the 'ip' command is missing: install iproute2" });
      resolve({ ok: false, detail: stderr.trim() || err.message });
    });
  });
}

function isPrefix(text: string): boolean {
  const [address, length, extra] = text.split('/');
  if (extra !== undefined || address === undefined || length === undefined || !/^\d{1,3}$/.test(length)) return false;
  const family = isIP(address);
  return family !== 0 && Number(length) <= (family === 4 ? 32 : 128);
}
