// Times in evidence: ISO 8601 for absolute times, short phrases for ages.

export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/** "3.2 s ago", "4 min ago", "2.5 h ago", "just now". */
export function describeAge(ms: number): string {
  if (!Number.isFinite(ms)) return 'at an unknown time';
  if (ms < 0) return `${formatDuration(-ms)} in the future`;
  if (ms < 1) return 'just now';
  return `${formatDuration(ms)} ago`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
