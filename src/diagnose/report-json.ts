// JSON Lines output of diagnose: one object per ESP packet. Field names are stable API:
// frame (1-based, as Wireshark numbers frames), verdict ("delivered" | "dropped"), code,
// name, spi ("0x" + 8 hex digits), cause (a DESIGN.md cause id or null), and the rest.
import { spiHex } from '../wire/bytes.js';
import type { Evidence } from '../verdict/verdict.js';
import type { PacketReport } from './packet-report.js';
import { isoFromCapture } from './time.js';
import { isoTime } from '../explain/time-text.js';

export interface PacketJson {
  frame: number;
  frames: readonly number[];
  time: string;
  src: string;
  dst: string;
  srcPort: number | null;
  dstPort: number | null;
  encapsulation: 'udp' | 'none';
  spi: string | null;
  seq: number | null;
  verdict: 'delivered' | 'dropped';
  /** "dummy" for a valid TFC dummy packet (next header 59), which is discarded by design. */
  discarded: 'dummy' | null;
  code: number | null;
  name: string | null;
  hex: string | null;
  linuxCounter: string | null;
  stage: string | null;
  cause: string | null;
  reason: string | null;
  summary: string | null;
  evidence: Record<string, unknown> | null;
  nextStep: string | null;
  sa: { id: number; label: string | null } | null;
  inner: { length: number; nextHeader: number } | null;
  /** The frame of the first copy when this frame is the same packet captured on another interface. */
  twinOf: number | null;
}

/** Evidence keys ending in "At" are epoch milliseconds: render them as ISO 8601. */
export function renderEvidence(e: Evidence): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    out[k] = k.endsWith('At') && typeof v === 'number' ? isoTime(v) : v;
  }
  return out;
}

export function packetJson(r: PacketReport): PacketJson {
  const base = {
    frame: r.frame, frames: r.frames, time: isoFromCapture(r.seconds, r.nanoseconds), src: r.src, dst: r.dst,
    srcPort: r.srcPort, dstPort: r.dstPort, encapsulation: r.encapsulated ? 'udp' as const : 'none' as const,
    spi: r.spi === null ? null : spiHex(r.spi), seq: r.seq, twinOf: r.twinOf,
  };
  const v = r.verdict;
  if (v.verdict === 'dropped') {
    const d = v.diagnosis;
    return {
      ...base, verdict: 'dropped', discarded: null, code: v.kind.code, name: v.kind.name, hex: v.kind.hex,
      linuxCounter: v.kind.linuxCounter === 'none' ? null : v.kind.linuxCounter, stage: v.kind.stage,
      cause: d.cause, reason: d.reason, summary: d.summary, evidence: renderEvidence(d.evidence), nextStep: d.nextStep,
      sa: v.sa === null ? null : { id: v.sa.id, label: v.sa.label }, inner: null,
    };
  }
  const sa = v.verdict === 'delivered' || v.verdict === 'dummy' ? { id: v.sa.id, label: v.sa.label } : null;
  return {
    ...base, verdict: 'delivered', discarded: v.verdict === 'dummy' ? 'dummy' : null, code: null, name: null, hex: null,
    linuxCounter: null, stage: null, cause: null, reason: null, summary: null, evidence: null, nextStep: null, sa,
    inner: v.verdict === 'delivered' ? { length: v.packet.length, nextHeader: v.nextHeader } : null,
  };
}
