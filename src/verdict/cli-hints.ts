// The ipsec-ts commands the catalogs tell people to run, in one place: when the CLI changes a
// command, this file and IPSEC_TS_SUBCOMMANDS change together (a test checks that every
// `ipsec-ts <word>` in the catalog text is a known subcommand). drops, sa, stats and up work with
// the live daemon; diagnose and explain work offline.

/** Subcommands the catalog text refers to. */
export const IPSEC_TS_SUBCOMMANDS = ['drops', 'sa', 'stats', 'up', 'diagnose', 'explain'] as const;

export type IpsecTsSubcommand = (typeof IPSEC_TS_SUBCOMMANDS)[number];

/** Drops recorded with this Windows code, each with its cause and evidence. */
export function dropsByCode(code: number): string {
  return `ipsec-ts drops --code ${code}`;
}

/** Drops whose diagnosis has this DESIGN.md cause. */
export function dropsByCause(cause: string): string {
  return `ipsec-ts drops --cause ${cause}`;
}

/** Drops counted under this Linux counter name. */
export function dropsByCounter(counter: string): string {
  return `ipsec-ts drops --counter ${counter}`;
}

export function explainCmd(what: string | number): string {
  return `ipsec-ts explain ${what}`;
}

/** Installed SAs with SPIs, selectors, lifetimes, replay window and per-SA counters. */
export const SA_LIST = 'ipsec-ts sa list';

/** One SA, or what the SAD remembers about its SPI: allocation, installation, rekey, deletion, successor. */
export const SA_HISTORY = 'ipsec-ts sa show <spi>';

/** IKE SAs with their peers, state and child SAs (as swanctl --list-sas shows them). */
export const IKE_LIST = 'ipsec-ts sa list';

/** The daemon's JSON log lines for one peer: messages, notifies sent and received, retransmissions. */
export const IKE_LOG = 'ipsec-ts up -c <config> (its JSON log, filtered on the peer address)';

/** Global counters under both names (Windows code and Linux counter). */
export const COUNTERS = 'ipsec-ts stats';

/** Offline replay of a capture with keys: one verdict per packet. */
export const DIAGNOSE = 'ipsec-ts diagnose <capture.pcapng> --keys <keys-file>';
