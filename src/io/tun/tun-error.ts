// Errors of opening and configuring the TUN device. Opening a device is not network input, so
// these are thrown; each carries a stable reason and a message that says what to do next.
import { constants } from 'node:os';

export type TunErrorReason = 'addon-missing' | 'not-root' | 'no-device' | 'busy' | 'configure-failed' | 'open-failed';

export class TunError extends Error {
  constructor(readonly reason: TunErrorReason, message: string) {
    super(message);
    this.name = 'TunError';
  }
}

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, value]) => [value, name]));
// Linux names Node does not list; EBADFD is what reads give once the interface is deleted.
if (process.platform === 'linux' && !errnoNames.has(77)) errnoNames.set(77, 'EBADFD');

/** 'EPERM' for 1, 'errno 1234' for numbers the platform does not name. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** The error for a failed open of /dev/net/tun or TUNSETIFF, by errno. */
export function openFailure(name: string, errno: number): TunError {
  const code = errnoName(errno);
  const what = `cannot open TUN device '${name}'`;
  switch (code) {
    case 'EPERM':
    case 'EACCES':
      return new TunError('not-root', `${what} (${code}): needs root or CAP_NET_ADMIN. Run the daemon as root, or grant it CAP_NET_ADMIN (systemd: AmbientCapabilities=CAP_NET_ADMIN).`);
    case 'ENOENT':
    case 'ENODEV':
    case 'ENXIO':
      return new TunError('no-device', `${what} (${code}): no /dev/net/tun: load the tun module (modprobe tun) / run the container with --device /dev/net/tun.`);
    case 'EBUSY':
      return new TunError('busy', `${what} (EBUSY): another process holds it (a second ipsec-ts, openvpn, wireguard-go?). Stop it or choose another tun.name.`);
    case 'EINVAL':
      return new TunError('open-failed', `${what} (EINVAL): an interface with this name exists and is not a single-queue TUN device (see 'ip -d link show ${name}'). Choose another tun.name or delete that interface.`);
    case 'ENAMETOOLONG':
      return nameTooLong(name);
    default:
      return new TunError('open-failed', `${what}: ${code}. Check 'dmesg' and that /dev/net/tun is a working TUN device.`);
  }
}

export function nameTooLong(name: string): TunError {
  const bytes = Buffer.byteLength(name);
  return new TunError('open-failed', `tun.name '${name}' is ${bytes} bytes; Linux interface names are at most 15 bytes. Choose a shorter tun.name (e.g. ipsec0).`);
}
