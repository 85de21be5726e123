// Lifetime rules (RFC 4301 4.4.2.1: soft and hard limits by time, bytes and packets) as
// pure functions of an SA's counters and times, so the database and its tests read alike.
//
// A limit is reached when the counter or elapsed time is >= the configured value: the
// packet that brings the count to the limit is still delivered, the next one is not (as
// Linux XFRM counts). Time limits: "add" counts from addedAt, "use" from the first packet.
import type { ExpiryEvidence, LifetimeLimits, SecurityAssociation } from './sa.js';

/** A reached packet or byte limit (packets checked first), or null. */
export function countLimitReached(sa: SecurityAssociation, limits: LifetimeLimits | undefined, at: number): ExpiryEvidence | null {
  if (limits === undefined) return null;
  if (limits.packets !== undefined && sa.packets >= limits.packets) {
    return { limit: 'packets', configured: limits.packets, reached: sa.packets, at };
  }
  if (limits.bytes !== undefined && sa.bytes >= limits.bytes) {
    return { limit: 'bytes', configured: limits.bytes, reached: sa.bytes, at };
  }
  return null;
}

/** When the add-time limit runs out (Infinity without one). */
function addDeadline(sa: SecurityAssociation, limits: LifetimeLimits | undefined): number {
  return limits?.addSeconds === undefined ? Infinity : sa.addedAt + limits.addSeconds * 1000;
}

/** When the use-time limit runs out (Infinity without one, or while the SA is unused). */
function useDeadline(sa: SecurityAssociation, limits: LifetimeLimits | undefined): number {
  if (limits?.useSeconds === undefined || sa.firstUsedAt === null) return Infinity;
  return sa.firstUsedAt + limits.useSeconds * 1000;
}

/** The time limit that ran out first by now, or null. */
export function timeLimitReached(sa: SecurityAssociation, limits: LifetimeLimits | undefined, now: number): ExpiryEvidence | null {
  if (limits === undefined) return null;
  const add = addDeadline(sa, limits);
  const use = useDeadline(sa, limits);
  if (add <= now && add <= use) {
    return { limit: 'add-time', configured: limits.addSeconds!, reached: (now - sa.addedAt) / 1000, at: now };
  }
  if (use <= now) {
    return { limit: 'use-time', configured: limits.useSeconds!, reached: (now - sa.firstUsedAt!) / 1000, at: now };
  }
  return null;
}

/** The next time a time limit that still matters runs out: soft ones only while mature. */
export function nextTimeDeadline(sa: SecurityAssociation): number {
  const { soft, hard } = sa.config;
  let next = Math.min(addDeadline(sa, hard), useDeadline(sa, hard));
  if (sa.state === 'mature') next = Math.min(next, addDeadline(sa, soft), useDeadline(sa, soft));
  return next;
}
