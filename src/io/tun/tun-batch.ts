// The TUN reader's batch format (native/tun/src/tun.c): one ArrayBuffer per batch,
// uint32 offsets[count + 1] (native byte order) at its start, packet i in [offsets[i], offsets[i + 1]).

/** Buffer views of the batch's packets (no copies). */
export function packetsOfSlab(slab: ArrayBuffer, count: number): Buffer[] {
  const offsets = new Uint32Array(slab, 0, count + 1);
  const packets = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) {
    const start = offsets[i]!;
    packets[i] = Buffer.from(slab, start, offsets[i + 1]! - start);
  }
  return packets;
}
