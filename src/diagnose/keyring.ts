// Key file lines become SAs in an SA database, one per line, as the capture replay needs
// them: each line is an inbound SA at its destination with its own replay window. Lines
// with wildcards ('*', per-octet, prefixes, SPI patterns) become concrete SAs on demand,
// the first time a packet matches them (first matching line wins, as in Wireshark).
import { createEspCipher } from '../esp/cipher.js';
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

  constructor(entries: readonly EspSaEntry[], private readonly opts: KeyringOptions) {
    for (const e of entries) this.install(e);
  }

  /** The key line an SA came from. */
  lineOf(sa: SecurityAssociation): number | null {
    return this.entryOf.get(sa)?.line ?? null;
  }

  /**
   * Makes sure a wildcard line that matches this packet has a concrete SA, so the engine's
   * exact lookup finds it. Exact lines were installed up front.
   */
  prepare(spi: number, src: string, dst: string, now: number): void {
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
    if (this.sad.findBySpi(e.spi.value).some((sa) => sa.config.dst === dst)) {
      this.notes.push({ line: e.line, message: `SPI ${spiHex(e.spi.value)} to ${dst ?? 'any'} is already defined by an earlier line; this line is ignored (the first matching line wins, as in Wireshark)` });
      return;
    }
    this.add(e, e.spi.value, src, dst, 0);
  }

  private add(e: EspSaEntry, spi: number, src: string | null, dst: string | null, now: number): void {
    const esn = e.esn || this.opts.esn === 'all' || this.opts.esn.has(spi);
    const sa = this.sad.add({
      spi, direction: 'inbound', src, dst,
      // The key file does not say: the engine infers mode and encapsulation per packet.
      mode: 'tunnel', encapsulation: null,
      transform: e.transform, keys: e.keys, cipher: createEspCipher(e.transform, e.keys),
      esn, replayWindow: this.opts.replayWindow, label: `esp_sa line ${e.line}`,
    }, now);
    this.entryOf.set(sa, e);
  }
}
