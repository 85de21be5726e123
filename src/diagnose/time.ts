// Capture timestamps as text, keeping the capture's sub-millisecond precision.

/** The largest time a JavaScript Date holds (ECMA-262 21.4.1.1): 8.64e15 ms either side of 1970. */
const MAX_DATE_MS = 8.64e15;

/**
 * ISO 8601 UTC with nanoseconds trimmed to microseconds: 2026-11-27T03:18:11.123456Z. A capture
 * can hold times no calendar date fits (a pcapng timestamp near 2^64 units, a wild if_tsoffset):
 * those are written as seconds since 1970 instead of failing.
 */
export function isoFromCapture(seconds: number, nanoseconds: number): string {
  const fraction = String(Math.floor(nanoseconds / 1000)).padStart(6, '0');
  if (!Number.isFinite(seconds) || Math.abs(seconds * 1000) > MAX_DATE_MS) return `${seconds}.${fraction} s since 1970 (outside the calendar range)`;
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** Seconds since the first frame, as Wireshark's relative time column shows it. */
export function relativeSeconds(seconds: number, nanoseconds: number, first: { seconds: number; nanoseconds: number }): string {
  const delta = (seconds - first.seconds) + (nanoseconds - first.nanoseconds) / 1e9;
  return delta.toFixed(6);
}
