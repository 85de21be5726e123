// The whole configuration file: its sections, each key's rules, and defaults (docs/CONFIG.md
// describes the same keys; keep them in step).
import type * as z from 'zod';
import type { FieldParser } from './field.js';
import { accept, expectedGot } from './field.js';
import { BIND_PORT, durationIn, FILE_MODE, integerIn } from './numbers.js';
import { POLICY_ENTRY } from './policy-entry.js';
import { SA_ENTRY } from './sa-entry.js';
import { CONNECTION_ENTRY } from './connection-entry.js';
import { IKE_SECTION } from './ike-section.js';
import { list, optional, optionalSection, required, section } from './schema-kit.js';
import { HOST_PORT, INTERFACE_ADDRESS, INTERFACE_NAME, IP_ADDRESS, oneOf, PATH, ROUTE_PREFIX } from './text-fields.js';
import type { LogLevel } from './types.js';

export const DEFAULTS = Object.freeze({
  listenAddress: '0.0.0.0',
  listenPort: 4500,
  stateDir: '/var/lib/ipsec-ts',
  controlSocketName: 'control.sock',
  controlMode: 0o600,
  logLevel: 'info' as LogLevel,
  metricsListen: Object.freeze({ address: '127.0.0.1', port: 9790 }),
  /** RFC 3948 4: keepalives every 20 seconds keep a NAT mapping alive. */
  keepaliveMs: 20_000,
  sequenceReserve: 65536,
  defaultAction: 'bypass' as const,
  tunName: 'ipsec0',
  tunMtu: 1400,
});

/**
 * Sequence numbers reserved per store write: a crash skips at most this many, so 2^24 still
 * leaves a 32-bit counter room for 256 crashes.
 */
export const SEQUENCE_RESERVE = integerIn(1, 2 ** 24, 'a count of sequence numbers');

const KEEPALIVE_DURATION = durationIn(1000, 86_400_000);
/** A keepalive interval in ms, or null for 'off'. */
const KEEPALIVE: FieldParser<number | null> = {
  expected: `'off' or ${KEEPALIVE_DURATION.expected}`,
  parse(value) {
    if (value === false || (typeof value === 'string' && value.trim().toLowerCase() === 'off')) return accept(null);
    const r = KEEPALIVE_DURATION.parse(value);
    return r.ok ? r : expectedGot(`'off' or ${KEEPALIVE_DURATION.expected}`, value);
  },
};

const LOG_LEVEL = oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, { warning: 'warn' });

/** IPv4's minimum (RFC 791: every host takes 576-byte datagrams); IPv6 needs 1280 (RFC 8200 5). */
export const MIN_MTU_V4 = 576;
export const MIN_MTU_V6 = 1280;

export const DAEMON_CONFIG = section({
  listen: optionalSection(section({ address: optional(IP_ADDRESS), port: optional(BIND_PORT) }, 'the UDP socket')),
  state_dir: optional(PATH),
  control: optionalSection(section({ socket: optional(PATH), mode: optional(FILE_MODE) }, 'the control socket')),
  log: optionalSection(section({ level: optional(LOG_LEVEL) }, 'logging')),
  metrics: optionalSection(section({ listen: optional(HOST_PORT) }, 'the Prometheus endpoint')),
  nat_keepalive: optional(KEEPALIVE),
  sequence_reserve: optional(SEQUENCE_RESERVE),
  default_action: optional(oneOf(['bypass', 'discard'] as const)),
  tun: optionalSection(section({
    name: optional(INTERFACE_NAME),
    addresses: list(required(INTERFACE_ADDRESS), 'addresses with prefix length'),
    mtu: optional(integerIn(MIN_MTU_V4, 65535, 'an MTU')),
    routes: list(required(ROUTE_PREFIX), 'prefixes'),
  }, 'the TUN device')),
  sas: list(SA_ENTRY, 'SAs'),
  policies: list(POLICY_ENTRY, 'policies'),
  ike: IKE_SECTION,
  connections: list(CONNECTION_ENTRY, 'connections'),
}, 'the ipsec-ts configuration');

export type DaemonConfigOutput = z.output<typeof DAEMON_CONFIG>;
