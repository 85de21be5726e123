// Why did this SPI match no SA? DESIGN.md "Diagnosis of BAD_SPI": the SAD remembers every
// SPI it handed out or removed, so a miss is explained from evidence, in this order:
// reserved value, an SA of ours that uses the SPI another way (swapped directions, other
// destination), a negotiation still in progress, a removed SA, and only then "never".
// Evidence keys ending in "At" are epoch milliseconds; output layers render them as ISO 8601.
import { spiHex } from '../wire/bytes.js';
import { ESP_MAX_RESERVED_SPI } from '../packet/esp-header.js';
import type { SaDatabase } from '../sad/sad.js';
import type { SecurityAssociation } from '../sad/sa.js';
import type { Tombstone } from '../sad/history.js';
import type { Diagnosis } from '../verdict/verdict.js';
import { diagnosis } from '../verdict/verdict.js';
import type { UnknownSpiTracker } from './unknown-spi-tracker.js';
import { describeAge } from './time-text.js';

/** The addresses of the refused packet (outer header). */
export interface PacketEnds {
  readonly src: string;
  readonly dst: string;
}


export function diagnoseUnknownSpi(
  sad: SaDatabase, spi: number, ends: PacketEnds, now: number, tracker: UnknownSpiTracker | null,
): Diagnosis {
  // RFC 4303 2.1: 1-255 are reserved by IANA, 0 is for local use and never sent.
  if (spi <= ESP_MAX_RESERVED_SPI) return reserved(spi);
  const related = sad.findBySpi(spi);
  const swapped = related.find((sa) => isSwapped(sa, ends));
  if (swapped) return ourOutboundSpi(spi, swapped, ends);
  // An SA that ended at this very destination says more than one elsewhere with the same SPI.
  const tombs = sad.history.has(spi) ? sad.history.lookup(spi) : [];
  const endedHere = tombs.find((t) => t.direction === 'inbound' && t.dst === ends.dst);
  const elsewhere = related.find((sa) => sa.config.direction === 'inbound');
  if (elsewhere && endedHere === undefined) return wrongDestination(spi, elsewhere, ends);
  const larval = sad.larval(spi);
  // A reservation past its time is being given up, whatever tick() has not yet cleaned.
  if (larval && larval.expiresAt > now) {
    return diagnosis('not-yet-installed', 'spi-allocated-not-installed',
      `SPI ${spiHex(spi)} was allocated ${describeAge(now - larval.allocatedAt)} for a negotiation that has not installed its SA yet: the packet raced ahead of the key exchange`,
      { spi: spiHex(spi), allocatedAt: larval.allocatedAt, msSinceAllocation: now - larval.allocatedAt, peer: larval.peer, label: larval.label },
      'The peer started using the SA before the exchange completed here. Usually transient: if it persists, check that the CREATE_CHILD_SA/IKE_AUTH response reaches the peer and that our side installs the inbound SA before answering.');
  }
  const tomb = tombs.length > 0 ? newestTombstone(tombs, ends.dst) : undefined;
  if (tomb) {
    sad.history.notePacket(tomb, now);
    return tomb.reason === 'expired' ? expired(tomb, now) : deleted(tomb, now);
  }
  const slot = tracker === null ? -1 : tracker.note(spi, ends.src, now);
  const hex = spiHex(spi);
  return diagnosis('never-established', 'spi-unknown',
    `SPI ${hex} was never allocated or installed here, nor in the remembered past`,
    {
      spi: hex, src: ends.src, dst: ends.dst,
      installedSas: sad.size, rememberedSas: sad.history.size,
      timesSeen: slot < 0 ? 1 : tracker!.count(slot), firstSeenAt: slot < 0 ? now : tracker!.firstSeenAt(slot),
    },
    'The sender uses an SA this host never had: check that both ends were configured with the same SAs (manual keys: the SPI and direction on each side), or that the peer is not sending to the wrong host; if this host restarted, the peer still holds SAs from before the restart (IKE: INITIAL_CONTACT clears them).');
}

function reserved(spi: number): Diagnosis {
  return diagnosis('reserved', 'spi-reserved',
    `SPI ${spiHex(spi)} is in the reserved range 0-255 and is never valid on the wire (RFC 4303 2.1)`,
    { spi: spiHex(spi), reservedRange: '0x00000000-0x000000ff' },
    'The sender is broken or the packet is not ESP at all: check what produces it (a misclassified UDP flow on the ESP port, a corrupted header, a test tool).');
}

/** Our SA with this SPI points the other way: the peer has the directions swapped. */
function isSwapped(sa: SecurityAssociation, ends: PacketEnds): boolean {
  if (sa.config.direction === 'outbound') return true;
  return sa.config.src !== null && sa.config.dst !== null && sa.config.src === ends.dst && sa.config.dst === ends.src;
}

function ourOutboundSpi(spi: number, sa: SecurityAssociation, ends: PacketEnds): Diagnosis {
  return diagnosis('our-outbound-spi', 'spi-of-other-direction',
    `SPI ${spiHex(spi)} belongs to the SA for the other direction (${sa.config.src ?? 'any'} -> ${sa.config.dst ?? 'any'}), but this packet goes ${ends.src} -> ${ends.dst}: the SPIs are swapped`,
    { spi: spiHex(spi), saId: sa.id, label: sa.config.label ?? null, saDirection: sa.config.direction, saSrc: sa.config.src, saDst: sa.config.dst, packetSrc: ends.src, packetDst: ends.dst },
    'Swap the inbound and outbound SPIs on one side (the classic manual-keying mistake): the SPI a host sends with must be the one its peer installed as inbound.');
}

function wrongDestination(spi: number, sa: SecurityAssociation, ends: PacketEnds): Diagnosis {
  return diagnosis('wrong-destination', 'spi-for-other-destination',
    `SPI ${spiHex(spi)} exists, but for destination ${sa.config.dst ?? 'any'}, not ${ends.dst}`,
    { spi: spiHex(spi), saId: sa.id, label: sa.config.label ?? null, saSrc: sa.config.src, saDst: sa.config.dst, packetSrc: ends.src, packetDst: ends.dst },
    'The peer sends this SA\'s traffic to another address of ours (or through a NAT that changed it): check the peer\'s remote address and any NAT between the hosts.');
}

/**
 * The tombstone that explains a packet to dst: the newest inbound one for dst (or any
 * destination), else the newest of all. `tombs` is most recent first (SaHistory.lookup).
 */
function newestTombstone(tombs: readonly Tombstone[], dst: string): Tombstone | undefined {
  let best: Tombstone | undefined;
  for (const t of tombs) {
    if (t.direction !== 'inbound' || (t.dst !== null && t.dst !== dst)) continue;
    if (!best || t.removedAt > best.removedAt) best = t;
  }
  return best ?? tombs[0];
}

function tombEvidence(t: Tombstone, now: number): Record<string, string | number | boolean | null> {
  return {
    spi: spiHex(t.spi), saId: t.saId, label: t.label, addedAt: t.addedAt, removedAt: t.removedAt,
    msSinceRemoval: now - t.removedAt, packetsBeforeRemoval: t.final.packets, packetsSinceRemoval: t.packetsSinceRemoval,
  };
}

function expired(t: Tombstone, now: number): Diagnosis {
  const e = t.expiry;
  const what = e ? `its ${e.limit} limit (${e.configured}${e.limit.endsWith('time') ? ' s' : ''}) ran out` : 'its hard lifetime ran out';
  return diagnosis('expired', `expired-${e?.limit ?? 'lifetime'}`,
    `SPI ${spiHex(t.spi)} expired ${describeAge(now - t.removedAt)}: ${what}`,
    { ...tombEvidence(t, now), limit: e?.limit ?? null, configured: e?.configured ?? null, reached: e?.reached ?? null },
    'The peer still sends on an SA that hit its hard lifetime here: the rekey did not happen in time. Check that both ends rekey before the hard limit (soft lifetime well below hard, on both sides) and that the key exchange succeeds.');
}

const DELETION_TEXT: Record<string, string> = {
  rekeyed: 'it was replaced by a rekey',
  'deleted-by-peer': 'the peer deleted it',
  'deleted-locally': 'it was deleted on this host',
  'ike-closed': 'its IKE SA was closed',
  'peer-dead': 'the peer was declared dead',
  flushed: 'the SA database was flushed',
};

const DELETION_NEXT: Record<string, string> = {
  rekeyed: 'The peer kept sending on the old SA after the rekey: a rekey race or a peer that switched late. If it lasts beyond a few seconds, check that the peer installed the new outbound SA.',
  'deleted-by-peer': 'The peer deleted the SA but keeps using it: a peer bug or a rekey/delete race; check its logs around the deletion time.',
  'deleted-locally': 'We deleted the SA and the peer was not told or ignored it: check that the DELETE reached the peer (IKE), or delete the SA on the peer too (manual keys).',
  'ike-closed': 'The IKE SA was closed but the peer still sends: it may not have received the DELETE; re-establish the connection.',
  'peer-dead': 'The peer was declared dead but is sending again: it is back (or the path recovered): re-establish the connection.',
  flushed: 'All SAs were flushed here; re-establish the SAs on both ends.',
};

function deleted(t: Tombstone, now: number): Diagnosis {
  const successor = t.successorSpi === null ? '' : ` (successor SPI ${spiHex(t.successorSpi)})`;
  return diagnosis('deleted', t.reason,
    `SPI ${spiHex(t.spi)} was removed ${describeAge(now - t.removedAt)}: ${DELETION_TEXT[t.reason] ?? t.reason}${successor}`,
    { ...tombEvidence(t, now), removalReason: t.reason, successorSpi: t.successorSpi === null ? null : spiHex(t.successorSpi) },
    DELETION_NEXT[t.reason] ?? 'Re-establish the SA on both ends.');
}
