// The human-readable report: a per-packet table, then the summary by error with the
// evidence and next step of each kind of drop.
import { spiHex } from '../wire/bytes.js';
import type { FrameTally, SkipKind } from './run.js';
import type { PacketReport } from './packet-report.js';
import type { SummaryBuilder } from './summary.js';
import { renderEvidence } from './report-json.js';
import { relativeSeconds } from './time.js';

const HEADER = `${'Frame'.padStart(6)}  ${'Time'.padStart(11)}  ${'Source -> Destination'.padEnd(37)}  ${'SPI'.padEnd(10)}  ${'Seq'.padStart(10)}  Verdict`;

export function tableHeader(): string {
  return `${HEADER}\n${'-'.repeat(HEADER.length + 40)}\n`;
}

export function tableRow(r: PacketReport, first: { seconds: number; nanoseconds: number }): string {
  const ends = `${r.src} -> ${r.dst}`;
  const spi = r.spi === null ? '-' : spiHex(r.spi);
  const seq = r.seq === null ? '-' : String(r.seq);
  return `${String(r.frame).padStart(6)}  ${relativeSeconds(r.seconds, r.nanoseconds, first).padStart(11)}  ${ends.padEnd(37)}  ${spi.padEnd(10)}  ${seq.padStart(10)}  ${verdictText(r)}\n`;
}

function verdictText(r: PacketReport): string {
  if (r.twinOf !== null) return `same packet as frame ${r.twinOf}, captured on another interface`;
  const v = r.verdict;
  if (v.verdict === 'delivered') return 'delivered';
  if (v.verdict === 'dummy') return 'delivered (dummy packet, discarded by design)';
  if (v.verdict !== 'dropped') return v.verdict;
  const cause = v.diagnosis.cause ?? v.diagnosis.reason;
  return `DROPPED ${v.kind.name} (${v.kind.code}) ${cause}`;
}

export function summaryText(s: SummaryBuilder, tally: FrameTally): string {
  const lines: string[] = [];
  const espTotal = s.delivered + s.dummy + s.dropped;
  lines.push('', `Summary: ${espTotal} ESP packet${espTotal === 1 ? '' : 's'} in ${tally.frames} frame${tally.frames === 1 ? '' : 's'}`);
  lines.push(`  delivered   ${String(s.delivered + s.dummy).padStart(8)}${s.dummy > 0 ? `  (${s.dummy} of them dummy packets, next header 59)` : ''}`);
  lines.push(`  dropped     ${String(s.dropped).padStart(8)}`);
  const groups = s.sortedGroups();
  let lastCode = -1;
  for (const g of groups) {
    if (g.kind.code !== lastCode) {
      const total = groups.filter((x) => x.kind.code === g.kind.code).reduce((n, x) => n + x.count, 0);
      lines.push('', `${g.kind.name} (${g.kind.code}, ${g.kind.hex})  ${total} packet${total === 1 ? '' : 's'}`);
      lastCode = g.kind.code;
    }
    lines.push(...groupText(g));
  }
  const other = framesWithoutVerdict(tally);
  if (other.length > 0) lines.push('', 'Frames without an ESP verdict:', ...other.map((o) => `  ${o}`));
  const hint = noEspHint(tally);
  if (hint !== null) lines.push('', hint);
  lines.push('');
  return lines.join('\n');
}

function groupText(g: ReturnType<SummaryBuilder['sortedGroups']>[number]): string[] {
  const spis = [...g.spis].slice(0, 6).map(spiHex).join(', ') + (g.spis.size > 6 ? ', ...' : '');
  const frames = g.frames.join(', ') + (g.count > g.frames.length ? ', ...' : '');
  const evidence = Object.entries(renderEvidence(g.example.evidence))
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${String(v)}`).join('  ');
  return [
    `  ${g.cause ?? g.reason}: ${g.count} packet${g.count === 1 ? '' : 's'}  [${g.kind.linuxCounter}, stage ${g.kind.stage}]`,
    `    SPI ${spis || '-'}; frames ${frames}`,
    `    why:      ${g.example.summary} (frame ${g.exampleFrame})`,
    `    evidence: ${evidence}`,
    `    next:     ${g.example.nextStep}`,
  ];
}

/**
 * One line per kind of frame that got no verdict, for the text summary and the JSON-mode
 * stderr summary. Skipped frames name the first of their kind and why, so a user can look at it.
 */
export function framesWithoutVerdict(t: FrameTally): string[] {
  const out: string[] = [];
  const n = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;
  const first = (kind: SkipKind): string => {
    const f = t.firstSkipped[kind];
    return f === undefined ? '' : `; first: frame ${f.frame}, ${f.detail}`;
  };
  const incomplete = t.fragmentsPending - t.fragmentsReassembled;
  if (t.ike > 0) out.push(`${n(t.ike, 'IKE message', 'IKE messages')} (UDP 500, or 4500 with the non-ESP marker)`);
  if (t.keepalive > 0) out.push(`${n(t.keepalive, 'NAT-keepalive', 'NAT-keepalives')} (RFC 3948)`);
  if (t.fragmentsReassembled > 0) out.push(`${n(t.fragmentsReassembled, 'IP fragment', 'IP fragments')} reassembled (each packet is reported at its last fragment)`);
  if (incomplete > 0) out.push(`${n(incomplete, 'IP fragment', 'IP fragments')} of packets that never completed (a fragment is missing from the capture, or came too late)`);
  if (t.capturedTwice > 0) out.push(`${n(t.capturedTwice, 'ESP packet', 'ESP packets')} captured a second time on another interface (the same bytes; judged once, at the first copy)`);
  if (t.fragmentDuplicates > 0) out.push(`${n(t.fragmentDuplicates, 'duplicate IP fragment', 'duplicate IP fragments')} (ignored)`);
  if (t.fragmentFailures > 0) out.push(`${n(t.fragmentFailures, 'IP fragment', 'IP fragments')} that could not be reassembled${first('fragmentFailures')}`);
  if (t.captureTruncated > 0) out.push(`${n(t.captureTruncated, 'frame', 'frames')} cut short by the capture's snaplen (no verdict possible; capture with -s 0)${first('captureTruncated')}`);
  if (t.notIp > 0) out.push(`${n(t.notIp, 'non-IP frame', 'non-IP frames')}${first('notIp')}`);
  if (t.malformedIp > 0) out.push(`${n(t.malformedIp, 'malformed IP packet', 'malformed IP packets')}${first('malformedIp')}`);
  if (t.other > 0) out.push(`${n(t.other, 'other IP packet', 'other IP packets')} (not ESP, not on an ESP-in-UDP port)`);
  return out;
}

/**
 * A capture with IP traffic but not one ESP packet usually means ESP hides where we do not
 * look: in UDP on a port a NAT chose, or the capture was taken inside the tunnel.
 */
export function noEspHint(t: FrameTally): string | null {
  if (t.espPackets > 0 || t.other === 0) return null;
  return 'No ESP packet found. If ESP travels in UDP on a port other than 4500, name it with --udp-port; ' +
    'if the capture was taken on the tunnel interface, it holds the decrypted traffic: capture on the outer interface.';
}
