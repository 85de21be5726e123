// From a capture frame to what the inbound engine consumes: link layer, IP (reassembled
// when fragmented), then ESP as IP protocol 50 or UDP payloads on the ESP-in-UDP ports.
import { parseIpv4 } from '../packet/ipv4.js';
import { parseIpv6 } from '../packet/ipv6.js';
import { parseUdp } from '../packet/udp.js';
import { IPPROTO } from '../packet/protocols.js';
import type { FragmentReassembler } from '../packet/reassembly.js';
import { LINKTYPE, decodeLink } from '../io/capture/link.js';
import type { LinkDecodeResult } from '../io/capture/link.js';
import type { CaptureFrame } from '../io/capture/frame.js';
import { IKE_PORT } from '../packet/esp-header.js';

/** A packet the inbound engine judges: ESP (protocol 50) or a UDP payload on an ESP-in-UDP port. */
export interface WirePacket {
  readonly kind: 'esp' | 'udp-encap';
  /** Frames that carried it: one, or several when it was reassembled from fragments. */
  readonly frames: readonly number[];
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number | null;
  readonly dstPort: number | null;
  /** ESP packet from the SPI on (kind 'esp') or the whole UDP payload (kind 'udp-encap'). */
  readonly payload: Buffer;
}

/** What a frame turned out to be, for the summary. */
export type FrameOutcome =
  | { readonly kind: 'packet'; readonly packet: WirePacket }
  | { readonly kind: 'ike' }
  /** A fragment held for reassembly; `duplicate` when it repeats one already held. */
  | { readonly kind: 'fragment-pending'; readonly duplicate: boolean }
  | { readonly kind: 'fragment-failed'; readonly detail: string }
  | { readonly kind: 'capture-truncated'; readonly detail: string }
  | { readonly kind: 'not-ip'; readonly detail: string }
  | { readonly kind: 'malformed-ip'; readonly detail: string }
  | { readonly kind: 'other' };

/** A frame's outcome and, when the frame completed a fragmented packet, how many earlier fragments it joined. */
export type ExtractedFrame = FrameOutcome & {
  /** Earlier frames (fragments) whose packet this frame completed; 0 when it completed none. */
  readonly completes: number;
};

export interface ExtractOptions {
  /** UDP ports that carry ESP-in-UDP (RFC 3948; 4500 by default). */
  readonly udpEncapPorts: ReadonlySet<number>;
}

export function extractFrame(frame: CaptureFrame, reassembler: FragmentReassembler, opts: ExtractOptions): ExtractedFrame {
  const snapped = frame.capturedLength < frame.originalLength;
  const link = decodeFrameLink(frame);
  if (!link.ok) return { ...(snapped ? cutBySnaplen(frame) : { kind: 'not-ip', detail: link.detail }), completes: 0 };
  const joined = reassembler.push(link.ip, frame.number, frame.timestampMs);
  if (joined.status === 'pending') return { kind: 'fragment-pending', duplicate: joined.duplicate, completes: 0 };
  if (joined.status === 'failed') {
    if (snapped) return { ...cutBySnaplen(frame), completes: 0 };
    // 'invalid-packet': the IP header itself is bad, whether or not it is a fragment.
    const kind = joined.reason === 'invalid-packet' ? 'malformed-ip' : 'fragment-failed';
    return { kind, detail: joined.detail, completes: 0 };
  }
  const outcome = fromIp(joined.packet, joined.frames, opts);
  // The IP packet parsed whole, so a snaplen cut only its link trailer (padding, FCS) and the
  // packet can be judged; a packet that does not parse may be missing bytes: no sound verdict.
  if (snapped && outcome.kind === 'malformed-ip') return { ...cutBySnaplen(frame), completes: 0 };
  return { ...outcome, completes: joined.frames.length - 1 };
}

function cutBySnaplen(frame: CaptureFrame): FrameOutcome {
  return { kind: 'capture-truncated', detail: `frame cut to ${frame.capturedLength} of ${frame.originalLength} bytes by the capture's snaplen` };
}

/**
 * The IP packet of a frame. LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229) frames are read by
 * their version nibble when it disagrees with the link type, as Wireshark does: scapy's
 * wrpcap() declares the link type of the first packet of a list, so a capture of mixed IPv4
 * and IPv6 packets says IPV4 for all of them.
 */
function decodeFrameLink(frame: CaptureFrame): LinkDecodeResult {
  const link = decodeLink(frame.linkType, frame.data, frame.interface.fcsLength);
  if (link.ok || link.reason !== 'bad-ip-version') return link;
  if (frame.linkType !== LINKTYPE.IPV4 && frame.linkType !== LINKTYPE.IPV6) return link;
  return decodeLink(LINKTYPE.RAW, frame.data, frame.interface.fcsLength);
}

function fromIp(ip: Buffer, frames: readonly number[], opts: ExtractOptions): FrameOutcome {
  if (ip[0]! >> 4 === 4) {
    const h = parseIpv4(ip, 0);
    if (!h.ok) return { kind: 'malformed-ip', detail: h.detail };
    return fromTransport(ip, frames, h.src, h.dst, h.protocol, h.payloadOffset, h.payloadOffset + h.payloadLength, opts);
  }
  const h = parseIpv6(ip, 0);
  if (!h.ok) return { kind: 'malformed-ip', detail: h.detail };
  return fromTransport(ip, frames, h.src, h.dst, h.protocol, h.protocolOffset, h.payloadEnd, opts);
}

function fromTransport(
  ip: Buffer, frames: readonly number[], src: string, dst: string, protocol: number, start: number, end: number, opts: ExtractOptions,
): FrameOutcome {
  if (protocol === IPPROTO.ESP) {
    return { kind: 'packet', packet: { kind: 'esp', frames, src, dst, srcPort: null, dstPort: null, payload: ip.subarray(start, end) } };
  }
  if (protocol !== IPPROTO.UDP) return { kind: 'other' };
  const udp = parseUdp(ip, start, end);
  if (!udp.ok) return { kind: 'malformed-ip', detail: udp.detail };
  if (opts.udpEncapPorts.has(udp.dstPort) || opts.udpEncapPorts.has(udp.srcPort)) {
    const payload = ip.subarray(udp.payloadOffset, udp.payloadOffset + udp.payloadLength);
    return { kind: 'packet', packet: { kind: 'udp-encap', frames, src, dst, srcPort: udp.srcPort, dstPort: udp.dstPort, payload } };
  }
  if (udp.dstPort === IKE_PORT || udp.srcPort === IKE_PORT) return { kind: 'ike' };
  return { kind: 'other' };
}
