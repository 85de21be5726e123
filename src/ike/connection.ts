// A configured IKEv2 connection: what the config layer produces from a `connections:` entry and
// what the IKE manager negotiates from. Plain data (KeyObjects for private keys); strongSwan's
// swanctl.conf is the model for names and defaults, so operators find their way.
import type { KeyObject } from 'node:crypto';
import type { IkeIdentity } from './auth/identity.js';
import type { ProposalSpec } from './proposal/parse.js';
import type { ConfiguredSelector } from './ts/config.js';

export type StartAction = 'none' | 'trap' | 'start';

/** How one side proves who it is. */
export type AuthConfig =
  | { readonly method: 'psk' }
  | {
      readonly method: 'pubkey';
      /** Our certificate chain, end entity first (DER), and its private key: only on the local side. */
      readonly certificates: readonly Buffer[];
      readonly privateKey: KeyObject | null;
    };

export interface ChildConfig {
  /** Unique among the connection's children; shown in `sa list`. */
  readonly name: string;
  /** Our side's selectors and the peer's; `dynamic` entries become the IKE SA's addresses (ts/config.ts). */
  readonly localTs: readonly ConfiguredSelector[];
  readonly remoteTs: readonly ConfiguredSelector[];
  readonly mode: 'tunnel' | 'transport';
  /** In our order of preference. An ESP proposal with a DH group asks for PFS on rekey. */
  readonly espProposals: readonly ProposalSpec[];
  readonly startAction: StartAction;
  /** Seconds; soft (rekey) and hard (expiry). Rekey time gets up to randTimeS of jitter subtracted. */
  readonly rekeyTimeS: number;
  readonly lifeTimeS: number;
  readonly randTimeS: number;
  readonly replayWindow: number;
  /** What happens when the peer is found dead or closes the child: none, trap (re-install on traffic), restart. */
  readonly closeAction: 'none' | 'trap' | 'start';
  readonly dpdAction: 'clear' | 'trap' | 'restart';
}

export interface ConnectionConfig {
  readonly name: string;
  /** Our address (null: the listen address); the peer's address (%any: only as responder). */
  readonly localAddress: string | null;
  readonly remoteAddress: string | '%any';
  /** The peer's IKE port (500, or 4500 when starting there). */
  readonly remotePort: number;
  readonly localId: IkeIdentity;
  /** null = accept any identity the peer proves (only with certificates). */
  readonly remoteId: IkeIdentity | null;
  readonly localAuth: AuthConfig;
  readonly remoteAuth: { readonly method: 'psk' | 'pubkey' };
  /** The pre-shared key, when either side uses psk. */
  readonly psk: Buffer | null;
  readonly ikeProposals: readonly ProposalSpec[];
  /** Seconds; IKE SA rekey (soft) and the hard limit after which it is closed. */
  readonly ikeRekeyTimeS: number;
  readonly ikeLifeTimeS: number;
  readonly ikeRandTimeS: number;
  /** Liveness: an empty INFORMATIONAL after this many idle seconds; 0 = off. */
  readonly dpdDelayS: number;
  /** Force UDP encapsulation (our data plane is ESP in UDP): fake the NAT detection hash. */
  readonly forceEncapsulation: boolean;
  /** Send INITIAL_CONTACT in the first IKE_AUTH (default yes, like strongSwan's unique=replace). */
  readonly initialContact: boolean;
  readonly children: readonly ChildConfig[];
}

/** Daemon-wide IKE settings (the `ike:` section). */
export interface IkeSettings {
  /** UDP port for IKE_SA_INIT besides the ESP port (RFC 7296 2.23); null = only the ESP port (4500). */
  readonly port: number | null;
  /** Half-open IKE SAs (IKE_SA_INIT answered, IKE_AUTH not yet) allowed at once; beyond it, requests are dropped. */
  readonly halfOpenLimit: number;
  /** Above this many half-open SAs, the responder demands a COOKIE (RFC 7296 2.6). */
  readonly cookieThreshold: number;
  /** Retransmission: first timeout, multiplier, tries (strongSwan: 4 s, 1.8, 5). */
  readonly retransmitTimeoutMs: number;
  readonly retransmitBase: number;
  readonly retransmitTries: number;
  /** How long a replaced inbound child SA keeps accepting packets after a rekey. */
  readonly rekeyGraceS: number;
  /** At most one INVALID_SPI notification per peer per this many seconds (RFC 7296 2.21.4 asks for rate limiting). */
  readonly invalidSpiIntervalS: number;
  /** Trusted CA certificates (DER), from `ike.ca_certs` files and `ike.ca_dir`. */
  readonly caCertificates: readonly Buffer[];
}
