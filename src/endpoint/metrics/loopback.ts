// Whether a listen address is reachable only from this host (127.0.0.0/8, ::1, localhost).
import { isIPv4, isIPv6 } from 'node:net';

export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  if (a === 'localhost') return true;
  if (isIPv4(a)) return a.startsWith('127.');
  if (!isIPv6(a)) return false;
  // The URL parser writes IPv6 in its RFC 5952 form: ::1, and ::ffff:7fxx:xxxx for 127.x.x.x.
  const canonical = new URL(`http://[${a}]/`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}
