// What the control socket can ask of a running endpoint. The daemon implements this; the
// control server (server.ts) maps JSON requests onto it and the CLI verbs call it through
// client.ts. Every reply is plain JSON data.
import type { CounterSnapshot } from '../../datapath/counters.js';
import type { DropQuery, DropRecord } from '../drop-record.js';
import type { IkeEvent } from '../../ike/ports.js';

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
  /** IKE at a glance; null when the daemon runs no IKE (no connections configured). */
  readonly ike: IkeStatus | null;
}

export interface IkeStatus {
  readonly connections: number;
  /** IKE SAs by state (init-sent, auth-sent, init-answered, established, deleting). */
  readonly ikeSas: Readonly<Record<string, number>>;
  /** CHILD_SAs not yet deleted, over all IKE SAs. */
  readonly childSas: number;
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

export interface UdpEndpointText {
  readonly address: string;
  readonly port: number;
}

/** One CHILD_SA of an IKE SA, as `ike.list` reports it. SPIs are 0x + 8 hex digits. */
export interface IkeChildSummary {
  /** The child's name in the config (children: key). */
  readonly name: string;
  readonly uniqueId: number;
  /** strongSwan-style instance name, e.g. net{3}. */
  readonly label: string;
  readonly state: string;
  readonly reqid: number;
  readonly mode: 'tunnel' | 'transport';
  readonly spiIn: string;
  readonly spiOut: string;
  /** Negotiated ESP proposal in strongSwan config spelling, e.g. aes128gcm16. */
  readonly proposal: string;
  readonly esn: boolean;
  /** UDP-encapsulated (RFC 3948): always true today, every SA is ESP in UDP. */
  readonly encapsulated: boolean;
  readonly localTs: readonly string[];
  readonly remoteTs: readonly string[];
  readonly installedAt: number;
  readonly rekeyAt: number;
  readonly expireAt: number;
  /** From the endpoint's SA counters; 0 once that half of the SA is removed. */
  readonly bytesIn: number;
  readonly packetsIn: number;
  readonly bytesOut: number;
  readonly packetsOut: number;
}

/** One IKE SA and its children, as `ike.list` reports it. */
export interface IkeSaSummary {
  readonly uniqueId: number;
  /** e.g. west-east[1] */
  readonly label: string;
  readonly connection: string | null;
  readonly state: string;
  readonly role: 'initiator' | 'responder';
  readonly local: UdpEndpointText;
  readonly remote: UdpEndpointText;
  /** Our identity (from the config) and the peer's as it authenticated (null before IKE_AUTH). */
  readonly localId: string | null;
  readonly remoteId: string | null;
  /** 16 hex digits each. */
  readonly spiI: string;
  readonly spiR: string;
  /** e.g. aes128gcm16/prfsha256/curve25519; null before IKE_SA_INIT completed. */
  readonly proposal: string | null;
  readonly establishedAt: number | null;
  readonly rekeyAt: number | null;
  readonly expireAt: number | null;
  readonly children: readonly IkeChildSummary[];
}

/** An IkeEvent with its SPIs as 0x text (like every SPI on the socket), numbered and timed. */
type HexSpis<E> = { readonly [K in keyof E]: K extends 'spiIn' | 'spiOut' | 'rekeyOf' ? (null extends E[K] ? string | null : string) : E[K] };
type WireIkeEvent = IkeEvent extends infer E ? (E extends IkeEvent ? HexSpis<E> : never) : never;

export type IkeEventRecord = {
  /** Increases by one per event; `after` in ike.events takes it. */
  readonly id: number;
  /** ms since the epoch; null for events from before the control socket started. */
  readonly at: number | null;
} & WireIkeEvent;

export interface IkeEventQuery {
  /** Only events with a larger id. */
  readonly after?: number;
  readonly connection?: string;
  /** The newest n. */
  readonly limit?: number;
}

export interface IkeInitiateReply {
  readonly connection: string;
  readonly child: string;
  /** The IKE SA that carries the new child (new, or an established one that gets another child). */
  readonly ikeSa: string;
  /** Whether a new IKE SA was started (false: a CHILD_SA on an existing one). */
  readonly newIkeSa: boolean;
  /** The id of the last event before the request: ike.events {after} from it shows the outcome. */
  readonly eventsAfter: number;
}

export interface IkeTerminateReply {
  readonly connection: string;
  /** The IKE SAs a DELETE was started for. */
  readonly ikeSas: readonly string[];
  readonly eventsAfter: number;
}

export interface IkeRekeyReply {
  readonly connection: string;
  /** The CHILD_SAs a rekey was started for, as ike-sa-label/child-label. */
  readonly children: readonly { readonly ikeSa: string; readonly child: string; readonly spiIn: string }[];
  readonly eventsAfter: number;
}

/** keys.export: the esp_sa file and, for established IKE SAs, the ikev2_decryption_table. */
export interface KeysExportReply {
  readonly format: 'esp_sa';
  readonly text: string;
  /** Wireshark's ikev2_decryption_table; null when the daemon runs no IKE. */
  readonly ikev2: { readonly format: 'ikev2_decryption_table'; readonly text: string; readonly ikeSas: number } | null;
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
  /** The established IKE SAs as Wireshark's ikev2_decryption_table (tshark 4.0); null without IKE. Key material. */
  ikeKeysExport(): { readonly text: string; readonly ikeSas: number } | null;
  /** IKE: each throws ControlError 'unavailable' when the daemon runs no IKE. */
  ikeInitiate(connection: string, child: string | null): IkeInitiateReply;
  ikeTerminate(connection: string): IkeTerminateReply;
  ikeRekey(connection: string): IkeRekeyReply;
  ikeList(): readonly IkeSaSummary[];
  ikeEvents(query: IkeEventQuery): readonly IkeEventRecord[];
  /** Live IKE events; returns the unsubscribe function. */
  followIkeEvents(query: IkeEventQuery, listener: (record: IkeEventRecord) => void): () => void;
}
