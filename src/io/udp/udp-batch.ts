// The UDP reader's batch format (native/tun/src/udp.c): one ArrayBuffer per batch,
//   uint32 offsets[count + 1] (native byte order)   datagram i is [offsets[i], offsets[i + 1])
//   count metas of META_BYTES: [0] family 4|6, [1] 1 when the destination is known,
//     [2..3] source port (network order), [4..19] source address, [20..35] destination address
//   the datagrams, back to back.
import { formatIpv4, formatIpv6 } from '../../wire/address.js';

export const META_BYTES = 36;

export interface DatagramSource {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly port: number;
  readonly size: number;
}

/** One datagram of a batch: a view into the slab (no copy), where it came from and went to. */
export interface BatchDatagram {
  readonly payload: Buffer;
  readonly from: DatagramSource;
  /** The local address it was sent to (IP_PKTINFO), or null when the kernel did not say. */
  readonly to: string | null;
}

/**
 * Formats addresses, remembering the last one: a batch nearly always comes from one peer to
 * one local address, so the text is built once per batch, not once per datagram.
 */
export class AddressText {
  private lastFamily = 0;
  private readonly last = new Uint8Array(16);
  private lastText = '';

  of(bytes: Uint8Array, off: number, family: 4 | 6): string {
    const len = family === 4 ? 4 : 16;
    if (family === this.lastFamily && sameBytes(bytes, off, this.last, len)) return this.lastText;
    this.lastFamily = family;
    this.last.set(bytes.subarray(off, off + len));
    this.lastText = family === 4 ? formatIpv4(bytes, off) : formatIpv6(bytes, off);
    return this.lastText;
  }
}

function sameBytes(a: Uint8Array, off: number, b: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[off + i] !== b[i]) return false;
  return true;
}

/** The datagrams of one slab, in arrival order. Never throws on a well-formed slab from the addon. */
export function datagramsOfSlab(slab: ArrayBuffer, count: number, sources = new AddressText(), destinations = new AddressText()): BatchDatagram[] {
  const offsets = new Uint32Array(slab, 0, count + 1);
  const bytes = new Uint8Array(slab);
  const metaBase = (count + 1) * 4;
  const out = new Array<BatchDatagram>(count);
  for (let i = 0; i < count; i++) {
    const m = metaBase + i * META_BYTES;
    const family = bytes[m] === 6 ? 6 : 4;
    const start = offsets[i]!;
    const size = offsets[i + 1]! - start;
    out[i] = {
      payload: Buffer.from(slab, start, size),
      from: { address: sources.of(bytes, m + 4, family), family: family === 4 ? 'IPv4' : 'IPv6', port: (bytes[m + 2]! << 8) | bytes[m + 3]!, size },
      to: bytes[m + 1] === 1 ? destinations.of(bytes, m + 20, family) : null,
    };
  }
  return out;
}
