// Capture timestamps as text, keeping the capture's sub-millisecond precision.

/** ISO 8601 UTC with nanoseconds trimmed to microseconds: 2026-11-27T03:18:11.123456Z. */
export function isoFromCapture(seconds: number, nanoseconds: number): string {
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(Math.floor(nanoseconds / 1000)).padStart(6, '0')}Z`;
}

/** Seconds since the first frame, as Wireshark's relative time column shows it. */
export function relativeSeconds(seconds: number, nanoseconds: number, first: { seconds: number; nanoseconds: number }): string {
  const delta = (seconds - first.seconds) + (nanoseconds - first.nanoseconds) / 1e9;
  return delta.toFixed(6);
}
