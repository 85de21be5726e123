// What the endpoint hands the metrics endpoint on each scrape: plain data, read from the
// counters the data path keeps anyway, so a packet pays nothing for metrics.
import type { SaState } from '../../sad/sa.js';

/** Drops of one kind, under both names an admin knows. */
export interface DropCountSample {
  /** e.g. ERROR_IPSEC_BAD_SPI */
  readonly windowsName: string;
  /** e.g. 13910 */
  readonly windowsCode: number;
  /** e.g. XfrmInNoStates; 'none' for kinds Linux does not count. */
  readonly linuxCounter: string;
  readonly count: number;
}

/** Packets by their end, as the data path counts them. */
export interface PacketCounts {
  readonly delivered: number;
  readonly dropped: number;
  /** RFC 4303 2.6 dummy packets (next header 59), checked and discarded. */
  readonly dummy: number;
  /** RFC 3948 2.3 NAT keepalives received. */
  readonly keepalive: number;
  /** IKE messages received on the ESP-in-UDP port (RFC 3948 2.2 non-ESP marker). */
  readonly ike: number;
}

export interface SaSample {
  /** The SA's name (config name or label). */
  readonly name: string;
  readonly spi: number;
  readonly direction: 'inbound' | 'outbound';
  readonly packets: number;
  readonly bytes: number;
  readonly drops: number;
  readonly state: SaState;
}

export interface UdpCounts {
  readonly received: number;
  readonly sent: number;
  readonly sendErrors: number;
}

export interface TunCounts {
  /** Packets read from the device (outbound traffic). */
  readonly read: number;
  /** Packets written to the device (delivered inbound traffic). */
  readonly written: number;
  readonly writeErrors: number;
  /** Packets read from the device that were not sent (refused by policy, no SA, ...). */
  readonly readDrops: number;
}

export interface MetricsSnapshot {
  readonly drops: readonly DropCountSample[];
  readonly packets: PacketCounts;
  /** Every SA, in a stable order (install order): the first ones get their own series. */
  readonly sas: readonly SaSample[];
  readonly udp: UdpCounts;
  /** null when the daemon runs without a TUN device. */
  readonly tun: TunCounts | null;
  readonly uptimeSeconds: number;
}
