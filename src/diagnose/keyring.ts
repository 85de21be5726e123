// Key file lines become SAs in an SA database, one per line, as the capture replay needs
// them: each line is an inbound SA at its destination with its own replay window. Lines
// with wildcards ('*', per-octet, prefixes, SPI patterns) become concrete SAs on demand,
// the first time a packet matches them (first matching line wins, as in Wireshark).
import { createEspCipher } from '../esp/cipher.js';
import { decapsulate } from '../esp/decapsulate.js';
import type { TransformSpec } from '../esp/transform-spec.js';
import { SaDatabase } from '../sad/sad.js';
import type { SecurityAssociation } from '../sad/sa.js';
import type { EspSaEntry } from '../io/keys/esp-sa-file.js';
import { matchesAddress, matchesSpi } from '../io/keys/esp-patterns.js';
import { canonicalIp } from '../wire/address.js';
import { spiHex } from '../wire/bytes.js';

export interface KeyringOptions {
  readonly replayWindow: number;
  /** SPIs whose SAs use extended sequence numbers, or 'all'. The key file may say so too. */
  readonly esn: ReadonlySet<number> | 'all';
}

/** Something about a key line the user should know, not fatal. */
export interface KeyringNote {
  readonly line: number;
  readonly message: string;
}

const MIN_WIRE_SPI = 256;

function exactAddress(p: EspSaEntry['src']): string | null | undefined {
  if (p.family === null) return null; // '*': any address
  const full = p.mask.every((b) => b === 0xff);
  if (!full) return undefined; // a real pattern
  return canonicalIp(p.text.split('/')[0]!) ?? undefined;
}

export class Keyring {
  readonly sad = new SaDatabase({ historyMaxEntries: 1 });
  readonly notes: KeyringNote[] = [];
  private readonly patterns: EspSaEntry[] = [];
  private readonly entryOf = new Map<SecurityAssociation, EspSaEntry>();
  /** Exact lines whose transform is ambiguous, by SPI: installed at their first packet. */
  private readonly undecided = new Map<number, { readonly entry: EspSaEntry; readonly src: string | null; readonly dst: string | null }[]>();

  constructor(entries: readonly EspSaEntry[], private readonly opts: KeyringOptions) {
    for (const e of entries) this.install(e);
  }

  /** The key line an SA came from. */
  lineOf(sa: SecurityAssociation): number | null {
    return this.entryOf.get(sa)?.line ?? null;
  }

  /**
   * Makes sure a line that matches this packet has a concrete SA, so the engine's exact lookup
   * finds it: a wildcard line, or an exact line whose transform the file leaves ambiguous
   * (then the packet decides). Other exact lines were installed up front.
   */
  prepare(spi: number, src: string, dst: string, now: number, esp: Buffer): void {
    if (this.undecided.size > 0) this.decide(spi, dst, now, esp);
    if (this.patterns.length === 0 || this.sad.lookupInbound(spi, dst) !== undefined) return;
    const entry = this.patterns.find((e) => matchesSpi(e.spi, spi) && matchesAddress(e.src, src) && matchesAddress(e.dst, dst));
    if (entry === undefined || spi < MIN_WIRE_SPI) return;
    this.add(entry, spi, exactAddress(entry.src) ?? null, dst, now);
  }

  private install(e: EspSaEntry): void {
    const src = exactAddress(e.src);
    const dst = exactAddress(e.dst);
    if (e.spi.mask !== 0xffffffff || src === undefined || dst === undefined) {
      this.patterns.push(e);
      return;
    }
    if (e.spi.value < MIN_WIRE_SPI) {
      this.notes.push({ line: e.line, message: `SPI ${spiHex(e.spi.value)} is reserved (0-255 never appear on the wire); packets using it are reported as reserved` });
      return;
    }
    if (e.alternatives.length > 0) {
      const list = this.undecided.get(e.spi.value) ?? [];
      list.push({ entry: e, src, dst });
      this.undecided.set(e.spi.value, list);
      return;
    }
    if (this.sad.findBySpi(e.spi.value).some((sa) => sa.config.dst === dst)) {
      this.notes.push({ line: e.line, message: `SPI ${spiHex(e.spi.value)} to ${dst ?? 'any'} is already defined by an earlier line; this line is ignored (the first matching line wins, as in Wireshark)` });
      return;
    }
    this.add(e, e.spi.value, src, dst, 0);
  }

  /**
   * The first packet to an ambiguous line's SPI and destination installs the line's SA with the
   * transform that packet verifies with (the line's own reading when none does).
   */
  private decide(spi: number, dst: string, now: number, esp: Buffer): void {
    const list = this.undecided.get(spi);
    const at = list?.findIndex((u) => u.dst === null || u.dst === dst) ?? -1;
    if (list === undefined || at < 0) return;
    const { entry, src, dst: lineDst } = list[at]!;
    list.splice(at, 1);
    if (list.length === 0) this.undecided.delete(spi);
    const esn = this.usesEsn(entry, spi);
    const verifies = (t: TransformSpec): boolean => decapsulate(createEspCipher(t, entry.keys), esp, 0, esn).ok;
    const transform = [entry.transform, ...entry.alternatives].find(verifies) ?? entry.transform;
    if (transform !== entry.transform) {
      this.notes.push({ line: entry.line, message: `SPI ${spiHex(spi)}: the packets verify with a ${transform.icvLength}-octet ICV, not ${entry.transform.icvLength}; using ${transform.icvLength}` });
    }
    this.add(entry, spi, src, lineDst, now, transform);
  }

  private usesEsn(e: EspSaEntry, spi: number): boolean {
    return e.esn || this.opts.esn === 'all' || this.opts.esn.has(spi);
  }

  private add(e: EspSaEntry, spi: number, src: string | null, dst: string | null, now: number, transform: TransformSpec = e.transform): void {
    const esn = this.usesEsn(e, spi);
    const sa = this.sad.add({
      spi, direction: 'inbound', src, dst,
      // The key file does not say: the engine infers mode and encapsulation per packet.
      mode: 'tunnel', encapsulation: null,
      transform, keys: e.keys, cipher: createEspCipher(transform, e.keys),
      esn, replayWindow: this.opts.replayWindow, label: `esp_sa line ${e.line}`,
    }, now);
    this.entryOf.set(sa, e);
  }
}
