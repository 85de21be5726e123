// A recorded drop as a person reads it (`ipsec-ts drops`, the demo): a header line with the time,
// the Windows error, the Linux counter, SPI, peer and cause; then why, the evidence and the next
// step, labelled like the summary of `ipsec-ts diagnose`.
import type { DropRecord } from '../endpoint/drop-record.js';
import { renderEvidence } from '../diagnose/report-json.js';
import { isoTime } from '../explain/time-text.js';

export function dropHeaderLine(r: DropRecord): string {
  const parts = [
    isoTime(r.at),
    `${r.windowsName} (${r.windowsCode})`,
    r.linuxCounter === 'none' ? 'no Linux counter' : r.linuxCounter,
    `SPI ${r.spi ?? '-'}`,
    `peer ${r.peer ?? '-'}`,
    r.cause ?? r.reason,
  ];
  if (r.direction === 'outbound') parts.push('outbound');
  if (r.repeats > 1) parts.push(`repeated ${r.repeats} times`);
  return parts.join('  ');
}

/** "key: value" lines of the evidence; times (keys ending in At) as ISO 8601, nulls left out. */
export function evidenceLines(r: DropRecord): string[] {
  return Object.entries(renderEvidence(r.evidence))
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}: ${String(v)}`);
}

/** The whole drop, several lines, each ending in a newline. */
export function formatDropRecord(r: DropRecord): string {
  const lines = [
    dropHeaderLine(r),
    `    why:      ${r.summary}`,
    `    stage:    ${r.stage}${r.sa === null ? '' : `; SA ${r.sa}`}; reason ${r.reason}`,
  ];
  const evidence = evidenceLines(r);
  if (evidence.length > 0) lines.push('    evidence:', ...evidence.map((e) => `      ${e}`));
  lines.push(`    next:     ${r.nextStep}`);
  return `${lines.join('\n')}\n`;
}

/** Said when a follow skipped events because the reader was too slow. */
export function lostNoticeText(lost: number): string {
  return `${lost} drop${lost === 1 ? ' was' : 's were'} not shown: this client did not read fast enough and the daemon skipped ${lost === 1 ? 'it' : 'them'} (\`ipsec-ts drops --since\` lists them from the record)`;
}
