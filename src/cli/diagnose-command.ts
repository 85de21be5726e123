// `ipsec-ts diagnose <capture> --keys <file>`: every ESP packet of a capture gets a verdict
// with its reason. Exit status 0 when all were delivered, 1 when drops were found, 2 for
// usage or input errors.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { openCapture } from '../io/capture/reader.js';
import { CaptureError } from '../io/capture/errors.js';
import { isSupportedLinkType } from '../io/capture/link.js';
import type { CaptureReader } from '../io/capture/frame.js';
import { parseEspSaFile } from '../io/keys/esp-sa-file.js';
import { Keyring } from '../diagnose/keyring.js';
import { diagnoseCapture } from '../diagnose/run.js';
import type { FrameTally } from '../diagnose/run.js';
import type { PacketReport } from '../diagnose/packet-report.js';
import { packetJson } from '../diagnose/report-json.js';
import { framesWithoutVerdict, noEspHint, summaryText, tableHeader, tableRow } from '../diagnose/report-text.js';
import { SummaryBuilder } from '../diagnose/summary.js';
import type { Output } from './output.js';
import { NAT_T_PORT } from '../packet/esp-header.js';

export interface DiagnoseOptions {
  readonly keys: string;
  readonly json?: boolean;
  readonly replayWindow: string;
  readonly udpPort: readonly string[];
  readonly esn?: readonly string[];
  readonly progress: boolean;
  readonly quiet?: boolean;
}

class UsageError extends Error {}

/** The UDP ports read as ESP-in-UDP: 4500 (RFC 3948), and the ones a NAT or a configuration added. */
function parsePorts(values: readonly string[]): Set<number> {
  const ports = new Set<number>([NAT_T_PORT]);
  for (const v of values.flatMap((x) => x.split(','))) {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--udp-port: '${v}' is not a port number (1-65535)`);
    ports.add(n);
  }
  return ports;
}

function parseWindow(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65536) throw new UsageError(`--replay-window: '${text}' must be an integer from 0 (off) to 65536`);
  return n;
}

function parseEsn(values: readonly string[] | undefined): ReadonlySet<number> | 'all' {
  if (values === undefined) return new Set();
  if (values.includes('all')) return 'all';
  const spis = new Set<number>();
  for (const v of values.flatMap((x) => x.split(','))) {
    const n = /^0x[0-9a-f]{1,8}$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--esn: '${v}' is not an SPI (0x1234abcd or decimal) or 'all'`);
    spis.add(n);
  }
  return spis;
}

function loadKeyring(path: string, replayWindow: number, esn: ReadonlySet<number> | 'all', out: Output): Keyring {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the key file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; give the esp_sa file Wireshark or strongSwan's save-keys wrote with --keys`);
  }
  const parsed = parseEspSaFile(text);
  if (parsed.errors.length > 0) {
    // "file:line: field: expected ..., found ...", the shape editors and compilers use.
    const list = parsed.errors.map((e) => `  ${path}:${e.line}: ${e.field}: expected ${e.expected}, found ${e.found}`).join('\n');
    const unsupported = parsed.errors.some((e) => e.expected.startsWith('a supported algorithm'));
    const hint = unsupported
      ? '\nA line with an algorithm ipsec-ts does not implement can be commented out with # to diagnose the other SAs (packets on its SPI are then reported as never-established).'
      : '';
    throw new UsageError(`the key file has ${parsed.errors.length} malformed line${parsed.errors.length === 1 ? '' : 's'}:\n${list}\nFix the lines (the format is Wireshark's esp_sa: "IPv4","src","dst","0xSPI","encryption","0xkey","authentication","0xkey").${hint}`);
  }
  if (parsed.entries.length === 0) throw new UsageError(`the key file ${path} holds no SA lines; without keys every packet would be BAD_SPI`);
  const keyring = new Keyring(parsed.entries, { replayWindow, esn });
  for (const e of parsed.entries) for (const n of e.notes) out.stderr(`ipsec-ts: note: ${path}:${e.line}: ${n}\n`);
  for (const n of keyring.notes) out.stderr(`ipsec-ts: note: ${path}:${n.line}: ${n.message}\n`);
  return keyring;
}

function progressBar(reader: CaptureReader, out: Output, enabled: boolean): { update: () => void; stop: () => void } {
  if (!enabled || !out.stderrIsTTY || reader.totalBytes < 4 * 1024 * 1024) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({ format: 'diagnosing [{bar}] {percentage}% | {value}/{total} MB | ETA {eta}s', stream: process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  const mb = (n: number): number => Math.round(n / 1e6);
  bar.start(mb(reader.totalBytes), 0);
  return { update: () => bar.update(mb(reader.bytesRead)), stop: () => bar.stop() };
}

export async function runDiagnose(capturePath: string, opts: DiagnoseOptions, out: Output): Promise<number> {
  let reader: CaptureReader | null = null;
  try {
    const keyring = loadKeyring(opts.keys, parseWindow(opts.replayWindow), parseEsn(opts.esn), out);
    const udpEncapPorts = parsePorts(opts.udpPort);
    reader = openDecodable(capturePath);
    return report(reader, keyring, udpEncapPorts, opts, out);
  } catch (err) {
    if (err instanceof UsageError || err instanceof CaptureError) {
      out.stderr(`ipsec-ts diagnose: ${err.message}${err instanceof CaptureError ? compressedHint(err) : ''}\n`);
      return 2;
    }
    throw err;
  } finally {
    reader?.close();
  }
}

/**
 * Opens the capture. A pcapng file may mix interfaces we decode with others (a Wi-Fi monitor
 * interface next to Ethernet): their frames are skipped and counted as not decoded. Only a
 * capture none of whose interfaces we decode is refused, naming its link types.
 */
function openDecodable(path: string): CaptureReader {
  const reader = openCapture(path, { allowAnyLinkType: true });
  const types = [...new Set(reader.interfaces.map((i) => i.linkType))];
  if (types.length > 0 && !types.some(isSupportedLinkType)) {
    reader.close();
    throw new CaptureError('unsupported-link-type', path,
      `link type${types.length > 1 ? 's' : ''} ${types.join(', ')} ${types.length > 1 ? 'are' : 'is'} not one diagnose decodes (Ethernet 1, raw IP 12/14/101/228/229, Linux cooked 113/276, BSD loopback 0/108); ` +
      'capture on the interface that carries the IP traffic, or convert the capture with editcap');
  }
  return reader;
}

/** Wireshark reads gzip-compressed captures (its sample captures often are); say how to read them here. */
function compressedHint(err: CaptureError): string {
  if (err.code !== 'not-a-capture') return '';
  const head = Buffer.alloc(4);
  try {
    const fd = openSync(err.path, 'r');
    try { readSync(fd, head, 0, 4, 0); } finally { closeSync(fd); }
  } catch {
    return '';
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return `; the file is gzip-compressed: decompress it first (gunzip -k '${err.path}')`;
  // RFC 8878 3.1.1: the zstd frame magic 0xFD2FB528, little-endian.
  if (head.readUInt32LE(0) === 0xfd2fb528) return `; the file is zstd-compressed: decompress it first (zstd -d '${err.path}')`;
  return '';
}

function report(reader: CaptureReader, keyring: Keyring, udpEncapPorts: Set<number>, opts: DiagnoseOptions, out: Output): number {
  const summary = new SummaryBuilder();
  const bar = progressBar(reader, out, opts.progress);
  let buffer = '';
  let first: { seconds: number; nanoseconds: number } | null = null;
  const flush = (): void => { if (buffer.length > 0) { out.stdout(buffer); buffer = ''; } };
  if (!opts.json && !opts.quiet) buffer += tableHeader();
  const onPacket = (r: PacketReport, tally: Readonly<FrameTally>): void => {
    summary.add(r);
    // Relative to the first frame of the capture, as Wireshark's Time column counts.
    first ??= tally.start ?? { seconds: r.seconds, nanoseconds: r.nanoseconds };
    if (opts.json) buffer += JSON.stringify(packetJson(r)) + '\n';
    else if (!opts.quiet) buffer += tableRow(r, first);
    if (buffer.length > 1 << 16) flush();
  };
  const notesBefore = keyring.notes.length;
  const { tally, stoppedBy } = diagnoseCapture(reader, keyring, { udpEncapPorts, onPacket, onProgress: bar.update });
  // What the packets taught about the key lines (an ambiguous ICV length resolved, ...).
  for (const n of keyring.notes.slice(notesBefore)) out.stderr(`ipsec-ts: note: ${opts.keys}:${n.line}: ${n.message}\n`);
  bar.stop();
  if (!opts.json) buffer += summaryText(summary, tally);
  flush();
  if (reader.end?.kind === 'truncated') out.stderr(`ipsec-ts diagnose: warning: ${reader.path}: the last record is cut short (${reader.end.detail}); frames before it were diagnosed\n`);
  if (opts.json) {
    // stdout holds only the ESP verdicts: say on stderr which frames got none, and why.
    const hint = noEspHint(tally);
    const others = framesWithoutVerdict(tally).map((l) => `ipsec-ts diagnose: no verdict: ${l}\n`).join('') + (hint === null ? '' : `ipsec-ts diagnose: ${hint}\n`);
    out.stderr(`ipsec-ts diagnose: ${summary.delivered + summary.dummy} delivered, ${summary.dropped} dropped of ${tally.espPackets} ESP packets in ${tally.frames} frames\n${others}`);
  }
  if (stoppedBy !== null) {
    // An input error, but after the verdicts of every frame before the damage.
    out.stderr(`ipsec-ts diagnose: ${stoppedBy.message}; reading stopped there, the ${tally.frames} frame${tally.frames === 1 ? '' : 's'} before it were diagnosed\n`);
    return 2;
  }
  return summary.dropped > 0 ? 1 : 0;
}
