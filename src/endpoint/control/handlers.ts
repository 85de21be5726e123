// What the control socket can ask of a running endpoint. The daemon implements this; the
// control server (server.ts) maps JSON requests onto it and the CLI verbs call it through
// client.ts. Every reply is plain JSON data.
import type { CounterSnapshot } from '../../datapath/counters.js';
import type { DropQuery, DropRecord } from '../drop-record.js';

export interface StatusReply {
  readonly version: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly uptimeSeconds: number;
  readonly configFile: string | null;
  readonly stateDir: string | null;
  readonly listen: { readonly address: string; readonly port: number };
  readonly tun: { readonly name: string; readonly mtu: number } | null;
  readonly sas: { readonly inbound: number; readonly outbound: number; readonly remembered: number };
  readonly policies: number;
  readonly counters: CounterSnapshot;
}

export interface SaSummary {
  readonly name: string | null;
  readonly spi: string;
  readonly direction: 'inbound' | 'outbound';
  readonly src: string | null;
  readonly dst: string | null;
  readonly mode: 'tunnel' | 'transport';
  /** Transform in strongSwan proposal spelling, e.g. aes128gcm16. */
  readonly transform: string;
  readonly esn: boolean;
  readonly state: string;
  readonly reqid: number | null;
  readonly packets: number;
  readonly bytes: number;
  readonly drops: number;
  readonly addedAt: number;
  /** Outbound: last sequence number used (64-bit as a decimal string); inbound: highest seen. */
  readonly sequence: string;
}

export interface SaDetail extends SaSummary {
  readonly encapsulation: { readonly srcPort: number; readonly dstPort: number } | null;
  readonly replayWindow: number;
  readonly soft: Readonly<Record<string, number>> | null;
  readonly hard: Readonly<Record<string, number>> | null;
  /** Outbound: sequence numbers reserved in the store up to (decimal string); null otherwise. */
  readonly reservedThrough: string | null;
  readonly replay: string | null;
  readonly lastUsedAt: number | null;
}

export interface RememberedSa {
  readonly spi: string;
  readonly name: string | null;
  readonly cause: string;
  readonly at: number;
  readonly detail: string;
}

export interface PolicySummary {
  readonly id: string;
  readonly direction: 'in' | 'out' | 'both';
  readonly action: 'bypass' | 'discard' | 'protect';
  readonly local: readonly string[];
  readonly remote: readonly string[];
  readonly mode: 'tunnel' | 'transport' | null;
  readonly reqid: number | null;
  readonly peer: string | null;
}

export interface StatsReply {
  readonly counters: CounterSnapshot;
  readonly udp: { readonly received: number; readonly sent: number; readonly sendErrors: number };
  readonly tun: { readonly read: number; readonly written: number; readonly writeErrors: number } | null;
  readonly sas: readonly { readonly name: string | null; readonly spi: string; readonly direction: string; readonly packets: number; readonly bytes: number; readonly drops: number }[];
}

/** Thrown by a handler; the server sends { error: { code, message } } and the CLI prints message. */
export class ControlError extends Error {
  constructor(readonly code: 'not-found' | 'invalid' | 'conflict' | 'unavailable', message: string) {
    super(message);
    this.name = 'ControlError';
  }
}

export interface ControlHandlers {
  status(): StatusReply;
  saList(): { readonly installed: readonly SaSummary[]; readonly remembered: readonly RememberedSa[] };
  /** By SPI (0x hex or decimal text) or SA name. */
  saShow(ref: string): SaDetail;
  /** entry has the shape of one `sas:` item of the YAML config (validated like it). */
  saAdd(entry: unknown): SaSummary;
  saDelete(ref: string): SaSummary;
  saFlush(): { readonly removed: number };
  policyList(): readonly PolicySummary[];
  /** entry has the shape of one `policies:` item of the YAML config. */
  policyAdd(entry: unknown): PolicySummary;
  policyDelete(id: string): PolicySummary;
  drops(query: DropQuery): readonly DropRecord[];
  /** Live drops as they happen; returns the unsubscribe function. */
  followDrops(query: DropQuery, listener: (record: DropRecord) => void): () => void;
  stats(): StatsReply;
  /** The installed SAs as a Wireshark esp_sa file (tshark 4.0 spelling). Key material. */
  keysExport(): string;
}
