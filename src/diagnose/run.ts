// Offline diagnosis: every ESP packet of a capture goes through the same inbound engine as
// live traffic, in capture order, with the capture's timestamps as the clock.
import { FragmentReassembler } from '../packet/reassembly.js';
import { u32 } from '../wire/bytes.js';
import { ESP_HEADER_LENGTH } from '../packet/esp-header.js';
import { classifyUdpEncap } from '../packet/udp-encap.js';
import type { InboundContext } from '../datapath/inbound.js';
import { createInboundContext, processEsp, processUdpDatagram } from '../datapath/inbound.js';
import { CaptureError } from '../io/capture/errors.js';
import type { CaptureFrame, CaptureReader } from '../io/capture/frame.js';
import type { ExtractedFrame, WirePacket } from './extract.js';
import { extractFrame } from './extract.js';
import type { Keyring } from './keyring.js';
import type { PacketReport } from './packet-report.js';
import { CaptureTwins, interfaceOf } from './twins.js';


export interface FrameTally {
  frames: number;
  espPackets: number;
  ike: number;
  keepalive: number;
  /** Fragments held for reassembly (not counting duplicates); those never completed are this minus fragmentsReassembled. */
  fragmentsPending: number;
  /** Held fragments that a later frame completed into a packet. */
  fragmentsReassembled: number;
  /** Fragments that repeated one already held, ignored. */
  fragmentDuplicates: number;
  fragmentFailures: number;
  captureTruncated: number;
  notIp: number;
  malformedIp: number;
  other: number;
  /** ESP packets captured a second time on another interface (judged once, at the first copy). */
  capturedTwice: number;
  /** Time of the first frame: the zero of relative times, as in Wireshark's Time column. */
  start: { readonly seconds: number; readonly nanoseconds: number } | null;
  /** The first frame of each kind skipped for a reason, and the reason: what a user checks first. */
  readonly firstSkipped: Partial<Record<SkipKind, { readonly frame: number; readonly detail: string }>>;
}

/** Frames that get no verdict for a reason worth showing. */
export type SkipKind = 'fragmentFailures' | 'captureTruncated' | 'notIp' | 'malformedIp';

export function emptyTally(): FrameTally {
  return {
    frames: 0, espPackets: 0, ike: 0, keepalive: 0, fragmentsPending: 0, fragmentsReassembled: 0, fragmentDuplicates: 0,
    fragmentFailures: 0, captureTruncated: 0, notIp: 0, malformedIp: 0, other: 0, capturedTwice: 0, start: null, firstSkipped: {},
  };
}

export interface DiagnoseRunOptions {
  readonly udpEncapPorts: ReadonlySet<number>;
  /** Called with every judged ESP packet, in capture order, and the tally so far. */
  readonly onPacket: (report: PacketReport, tally: Readonly<FrameTally>) => void;
  /** Called every `progressEvery` frames. */
  readonly onProgress?: (reader: CaptureReader) => void;
  readonly progressEvery?: number;
}

export interface DiagnoseRunResult {
  readonly tally: FrameTally;
  readonly context: InboundContext;
  /**
   * Damage that stopped reading before the end of the file (CaptureError 'corrupt' and the
   * like), or null. Every frame before it was judged: a damaged capture still tells what it can.
   */
  readonly stoppedBy: CaptureError | null;
}

export function diagnoseCapture(reader: CaptureReader, keyring: Keyring, opts: DiagnoseRunOptions): DiagnoseRunResult {
  const ctx = createInboundContext(keyring.sad, null, { inferSaShape: true });
  const reassembler = new FragmentReassembler();
  const twins = new CaptureTwins();
  const tally = emptyTally();
  const every = opts.progressEvery ?? 4096;
  let frame = nextFrame(reader);
  while (frame !== null && !(frame instanceof CaptureError)) {
    tally.frames++;
    tally.start ??= { seconds: frame.seconds, nanoseconds: frame.nanoseconds };
    const outcome = extractFrame(frame, reassembler, { udpEncapPorts: opts.udpEncapPorts });
    const report = judge({ ctx, keyring, twins, tally }, frame, outcome);
    if (report !== null) {
      tally.espPackets++;
      opts.onPacket(report, tally);
    }
    if (opts.onProgress && tally.frames % every === 0) opts.onProgress(reader);
    frame = nextFrame(reader);
  }
  return { tally, context: ctx, stoppedBy: frame };
}

/** The next frame; damage in the file ends the run as a value, so what came before is kept. */
function nextFrame(reader: CaptureReader): CaptureFrame | CaptureError | null {
  try {
    return reader.next();
  } catch (err) {
    if (err instanceof CaptureError) return err;
    throw err;
  }
}

/** What judging a frame works with. */
interface Judge {
  readonly ctx: InboundContext;
  readonly keyring: Keyring;
  readonly twins: CaptureTwins;
  readonly tally: FrameTally;
}

function judge(j: Judge, frame: CaptureFrame, outcome: ExtractedFrame): PacketReport | null {
  const tally = j.tally;
  tally.fragmentsReassembled += outcome.completes;
  switch (outcome.kind) {
    case 'packet': return judgePacket(j, frame, outcome.packet);
    case 'ike': tally.ike++; return null;
    case 'fragment-pending':
      if (outcome.duplicate) tally.fragmentDuplicates++;
      else tally.fragmentsPending++;
      return null;
    case 'fragment-failed': return skip(tally, 'fragmentFailures', frame, outcome.detail);
    case 'capture-truncated': return skip(tally, 'captureTruncated', frame, outcome.detail);
    case 'not-ip': return skip(tally, 'notIp', frame, outcome.detail);
    case 'malformed-ip': return skip(tally, 'malformedIp', frame, outcome.detail);
    case 'other': tally.other++; return null;
  }
}

function skip(tally: FrameTally, kind: SkipKind, frame: CaptureFrame, detail: string): null {
  tally[kind]++;
  tally.firstSkipped[kind] ??= { frame: frame.number, detail };
  return null;
}

function judgePacket(j: Judge, frame: CaptureFrame, p: WirePacket): PacketReport | null {
  const { ctx, keyring, tally } = j;
  const now = frame.timestampMs;
  const esp = p.payload;
  const hasHeader = p.kind === 'udp-encap' ? classifyUdpEncap(esp) === 'esp' : esp.length >= ESP_HEADER_LENGTH;
  const first = hasHeader ? j.twins.twinOf(u32(esp, 0), u32(esp, 4), esp, interfaceOf(frame), now) : null;
  if (first !== null) {
    tally.capturedTwice++;
    return { ...first, frame: frame.number, frames: p.frames, seconds: frame.seconds, nanoseconds: frame.nanoseconds, twinOf: first.frame };
  }
  if (hasHeader) keyring.prepare(u32(esp, 0), p.src, p.dst, now, esp);
  const meta = { src: p.src, dst: p.dst, srcPort: p.srcPort, dstPort: p.dstPort, encapsulated: p.kind === 'udp-encap' };
  const verdict = p.kind === 'udp-encap' ? processUdpDatagram(ctx, esp, meta, now) : processEsp(ctx, esp, meta, now);
  if (verdict.verdict === 'ike') { tally.ike++; return null; }
  if (verdict.verdict === 'keepalive') { tally.keepalive++; return null; }
  const report: PacketReport = {
    frame: frame.number, frames: p.frames, seconds: frame.seconds, nanoseconds: frame.nanoseconds,
    src: p.src, dst: p.dst, srcPort: p.srcPort, dstPort: p.dstPort, encapsulated: meta.encapsulated,
    spi: hasHeader ? u32(esp, 0) : null, seq: hasHeader ? u32(esp, 4) : null, verdict, twinOf: null,
  };
  j.twins.record(report);
  return report;
}

