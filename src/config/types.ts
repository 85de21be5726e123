// The daemon's configuration after loading and validation (config/load.ts turns YAML into this).
// Plain data: the endpoint builds ciphers, SAs and policies from it.
import type { KeyMaterial, TransformSpec } from '../esp/transform-spec.js';
import type { ConnectionConfig, IkeSettings } from '../ike/connection.js';
import type { LifetimeLimits } from '../sad/sa.js';
import type { PolicyInit } from '../spd/policy.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface TunConfig {
  /** Interface name (at most 15 bytes), e.g. ipsec0. */
  readonly name: string;
  /** Addresses to put on the device, CIDR text (10.1.0.1/32, fd00::1/128). */
  readonly addresses: readonly string[];
  readonly mtu: number;
  /** Prefixes routed into the device (CIDR text). */
  readonly routes: readonly string[];
}

/** A manually keyed SA (like `ip xfrm state add`). */
export interface ManualSaConfig {
  /** Name shown in verdicts, logs and `sa list`; unique in the config. */
  readonly name: string;
  readonly spi: number;
  readonly direction: 'inbound' | 'outbound';
  /** Outer addresses, canonical text. */
  readonly src: string;
  readonly dst: string;
  /** RFC 3948 ports: our port and the peer's for outbound, the peer's and ours for inbound. */
  readonly encapsulation: { readonly srcPort: number; readonly dstPort: number };
  readonly mode: 'tunnel' | 'transport';
  readonly transform: TransformSpec;
  readonly keys: KeyMaterial;
  readonly esn: boolean;
  readonly replayWindow: number;
  readonly reqid: number;
  readonly soft?: LifetimeLimits;
  readonly hard?: LifetimeLimits;
}

export interface DaemonConfig {
  /** The file this came from (absolute path), for messages. */
  readonly source: string;
  /** UDP socket for ESP in UDP, NAT keepalives (and IKE later). */
  readonly listen: { readonly address: string; readonly port: number };
  readonly stateDir: string;
  readonly control: { readonly socket: string; readonly mode: number };
  readonly log: { readonly level: LogLevel };
  /** Prometheus endpoint, off unless configured. */
  readonly metrics: { readonly address: string; readonly port: number } | null;
  /** RFC 3948 NAT keepalive interval towards every peer of an outbound SA; null = off. */
  readonly keepaliveMs: number | null;
  /** Outbound sequence numbers reserved per store write (crash safety, see endpoint/store). */
  readonly sequenceReserveBlock: number;
  /** Inner traffic through a TUN device; null = library API only. */
  readonly tun: TunConfig | null;
  /** What happens to traffic no policy matches. */
  readonly defaultAction: 'discard' | 'bypass';
  readonly sas: readonly ManualSaConfig[];
  readonly policies: readonly PolicyInit[];
  /** IKEv2 connections (keys negotiated); they may sit beside manual SAs and policies. */
  readonly connections: readonly ConnectionConfig[];
  /** Daemon-wide IKE settings, defaults applied even without connections. */
  readonly ike: IkeSettings;
}
