// Key file lines become SAs in an SA database, as the capture replay needs them: each line is
// an inbound SA at its destination with its own replay window. As in Wireshark, the first
// line (in file order) that matches a packet's SPI and addresses is the one that applies.
//
// Exact lines are installed up front, so that a packet on the wrong SPI can be explained
// against them (the other direction, another destination). Lines with wildcards ('*',
// per-octet, prefixes, SPI patterns), and exact lines whose transform the file leaves
// ambiguous, become concrete SAs when the first packet matches them.
import { createEspCipher } from '../esp/cipher.js';
import { decapsulate } from '../esp/decapsulate.js';
import type { TransformSpec } from '../esp/transform-spec.js';
import { SaDatabase } from '../sad/sad.js';
import type { SecurityAssociation } from '../sad/sa.js';
import type { EspSaEntry } from '../io/keys/esp-sa-file.js';
import type { AddressPattern } from '../io/keys/esp-patterns.js';
import { matchesAddress, matchesSpi } from '../io/keys/esp-patterns.js';
import { ESP_MAX_RESERVED_SPI } from '../packet/esp-header.js';
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

/** null: any address ('*'); undefined: a real pattern (octets, digits, prefix). */
function exactAddress(p: AddressPattern): string | null | undefined {
  if (p.family === null) return null;
  if (!p.mask.every((b) => b === 0xff)) return undefined;
  return canonicalIp(p.text.split('/')[0]!) ?? undefined;
}

function isExact(e: EspSaEntry): boolean {
  return e.spi.mask === 0xffffffff && exactAddress(e.src) !== undefined && exactAddress(e.dst) !== undefined;
}

function matches(e: EspSaEntry, spi: number, src: string, dst: string): boolean {
  return matchesSpi(e.spi, spi) && matchesAddress(e.src, src) && matchesAddress(e.dst, dst);
}

/** Does `earlier` apply to every packet `later` (an exact line) would match? Then `later` never applies. */
function shadows(earlier: EspSaEntry, later: EspSaEntry): boolean {
  const src = exactAddress(later.src);
  const dst = exactAddress(later.dst);
  if (!matchesSpi(earlier.spi, later.spi.value)) return false;
  const covers = (p: AddressPattern, address: string | null | undefined): boolean =>
    p.family === null || (typeof address === 'string' && matchesAddress(p, address));
  return covers(earlier.dst, dst) && covers(earlier.src, src);
}

export class Keyring {
  readonly sad = new SaDatabase({ historyMaxEntries: 1 });
  readonly notes: KeyringNote[] = [];
  /** Lines that become SAs at their first packet, in file order. */
  private readonly pending: EspSaEntry[] = [];
  private readonly entryOf = new Map<SecurityAssociation, EspSaEntry>();

  constructor(entries: readonly EspSaEntry[], private readonly opts: KeyringOptions) {
    entries.forEach((e, i) => this.install(e, entries.slice(0, i)));
  }

  /** The key line an SA came from. */
  lineOf(sa: SecurityAssociation): number | null {
    return this.entryOf.get(sa)?.line ?? null;
  }

  /**
   * Makes sure the first line that matches this packet has a concrete SA, so the engine's
   * exact lookup finds it. Call before handing the packet to the engine.
   */
  prepare(spi: number, src: string, dst: string, now: number, esp: Buffer): void {
    if (this.pending.length === 0 || spi <= ESP_MAX_RESERVED_SPI) return;
    if (this.sad.lookupInbound(spi, dst) !== undefined) return;
    const at = this.pending.findIndex((e) => matches(e, spi, src, dst));
    if (at < 0) return;
    const entry = this.pending[at]!;
    if (isExact(entry)) this.pending.splice(at, 1); // an exact line makes exactly one SA
    const lineDst = exactAddress(entry.dst);
    this.add(entry, spi, exactAddress(entry.src) ?? null, lineDst === undefined ? dst : lineDst, now, this.transformFor(entry, spi, esp));
  }

  private install(e: EspSaEntry, earlier: readonly EspSaEntry[]): void {
    if (!isExact(e)) {
      this.pending.push(e);
      return;
    }
    if (e.spi.value <= ESP_MAX_RESERVED_SPI) {
      this.notes.push({ line: e.line, message: `SPI ${spiHex(e.spi.value)} is reserved (0-255 never appear on the wire); packets using it are reported as reserved` });
      return;
    }
    const winner = earlier.find((x) => shadows(x, e));
    if (winner !== undefined) {
      this.notes.push({ line: e.line, message: `line ${winner.line} already covers SPI ${spiHex(e.spi.value)} to ${exactAddress(e.dst) ?? 'any'}; this line is ignored (the first matching line wins, as in Wireshark)` });
      return;
    }
    if (e.alternatives.length > 0) {
      this.pending.push(e);
      return;
    }
    this.add(e, e.spi.value, exactAddress(e.src) ?? null, exactAddress(e.dst) ?? null, 0, e.transform);
  }

  /**
   * A line whose transform is ambiguous (save-keys' 'ANY 64 bit' for AES-GCM ICV 8 or 12) takes
   * the reading its first packet verifies with; the line's own reading when none does.
   */
  private transformFor(e: EspSaEntry, spi: number, esp: Buffer): TransformSpec {
    if (e.alternatives.length === 0) return e.transform;
    const esn = this.usesEsn(e, spi);
    const verifies = (t: TransformSpec): boolean => decapsulate(createEspCipher(t, e.keys), esp, 0, esn).ok;
    const chosen = [e.transform, ...e.alternatives].find(verifies) ?? e.transform;
    if (chosen !== e.transform) {
      this.notes.push({ line: e.line, message: `SPI ${spiHex(spi)}: the packets verify with a ${chosen.icvLength}-octet ICV, not ${e.transform.icvLength}; using ${chosen.icvLength}` });
    }
    return chosen;
  }

  private usesEsn(e: EspSaEntry, spi: number): boolean {
    return e.esn || this.opts.esn === 'all' || this.opts.esn.has(spi);
  }

  private add(e: EspSaEntry, spi: number, src: string | null, dst: string | null, now: number, transform: TransformSpec): void {
    const esn = this.usesEsn(e, spi);
    const sa = this.sad.add({
      spi, direction: 'inbound', src, dst,
      // The key file does not say: the engine infers mode and encapsulation per packet.
      mode: 'tunnel', encapsulation: null,
      transform, keys: e.keys, cipher: createEspCipher(transform, e.keys),
      esn, replayWindow: this.opts.replayWindow, label: `esp_sa line ${e.line}`,
      ...(esn && e.esnHighBits !== 0 ? { initialSeqHi: e.esnHighBits } : {}),
    }, now);
    this.entryOf.set(sa, e);
  }
}
