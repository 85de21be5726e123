// The packet layer's parse, in the shape the SPD matches on (RFC 4301 4.4.1.1 selectors).
import type { PacketFields } from '../packet/fields.js';
import type { SpdPacketFields } from '../spd/selector.js';

export function spdFieldsOf(f: PacketFields): SpdPacketFields {
  return {
    src: f.src, dst: f.dst, protocol: f.protocol, srcPort: f.srcPort, dstPort: f.dstPort,
    icmpType: f.icmpType, icmpCode: f.icmpCode, isNonFirstFragment: f.opaque,
  };
}
