// Traffic selectors between the three forms an exchange meets: configured (with `dynamic`),
// our SPD's (canonical address text) and the TS payload's (octets). The rules themselves
// (narrowing, RFC 7296 2.9) live in src/ike/ts/.
import type { TrafficSelector as PayloadTs } from '../message/types.js';
import type { TrafficSelector } from '../../spd/selector.js';
import type { ConfiguredSelector } from '../ts/config.js';
import { resolveConfigured } from '../ts/config.js';
import { selectorToPayload, selectorsFromPayload } from '../ts/convert.js';
import { acceptNarrowed as acceptNarrowedSpd, narrowTrafficSelectors } from '../ts/narrow.js';

export function resolveTs(list: readonly ConfiguredSelector[], address: string): TrafficSelector[] {
  return resolveConfigured(list, address);
}

export function payloadTsOf(list: readonly TrafficSelector[]): PayloadTs[] {
  return list.map(selectorToPayload);
}

/** The selectors we can use from a TS payload; null when none is usable. */
export function spdTsOf(list: readonly PayloadTs[]): TrafficSelector[] | null {
  const { selectors } = selectorsFromPayload(list);
  return selectors.length === 0 ? null : selectors;
}

/** RFC 7296 2.9: the responder's narrowing of the initiator's TSi/TSr to its own config; null = TS_UNACCEPTABLE. */
export function narrowAsResponder(config: { local: readonly TrafficSelector[]; remote: readonly TrafficSelector[] },
  tsi: readonly PayloadTs[], tsr: readonly PayloadTs[]): { tsi: PayloadTs[]; tsr: PayloadTs[] } | null {
  const proposedI = spdTsOf(tsi);
  const proposedR = spdTsOf(tsr);
  if (proposedI === null || proposedR === null) return null;
  const r = narrowTrafficSelectors(config, { tsi: proposedI, tsr: proposedR }, 'responder');
  if (!r.ok) return null;
  return { tsi: payloadTsOf(r.tsi), tsr: payloadTsOf(r.tsr) };
}

/** The initiator's check: the answer lies inside what we proposed. */
export function acceptNarrowed(proposedTsi: readonly PayloadTs[], proposedTsr: readonly PayloadTs[], tsi: readonly PayloadTs[], tsr: readonly PayloadTs[]): boolean {
  const pI = spdTsOf(proposedTsi);
  const pR = spdTsOf(proposedTsr);
  const rI = spdTsOf(tsi);
  const rR = spdTsOf(tsr);
  if (pI === null || pR === null || rI === null || rR === null) return false;
  return acceptNarrowedSpd({ tsi: pI, tsr: pR }, { tsi: rI, tsr: rR }).ok;
}
