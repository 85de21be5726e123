#!/usr/bin/python3
"""Captures of ESP traffic written by scapy, for test/external/scapy-captures.test.ts.

scapy (Debian python3-scapy 2.5) is an ESP implementation we did not write: it encrypts, it
lays out the headers, and its writers (wrpcap, PcapWriter, wrpcapng) write the files. This
script plays a small network: good traffic on every SA the test gives it, then the failures a
capture can show. It records what it did to every frame as an "intent" the test compares with
the verdicts of `ipsec-ts diagnose --json`.

stdin:  {"out": folder, "sas": {name: sa}} where sa is
        {"family": 4|6, "src", "dst", "spi", "crypt" (scapy name), "ckey" (hex),
         "auth" (scapy name), "akey" (hex), "icv" (AEAD ICV bytes or null),
         "mode": "tunnel"|"transport", "encap": "udp"|"esp", "keyEsn": bool,
         "sport", "dport" (optional NAT-T ports, 4500 by default)}
        keyEsn says whether the key file declares ESN for that SA.
stdout: {"captures": [{"file", "linkType", "format", "note"}], "intent": [...], "frames": n}
        One intent per frame, in frame order (frame numbers from 1, as Wireshark counts):
        {"frame", "did", "sa", "verdict": "delivered"|"dropped"|"none", "code", "cause",
         "reason", "spi", "seq", "frames", "innerLength", "nextHeader"}
        "none" means the frame must get no verdict line (IKE, keepalive, not ESP, a fragment
        that is not the last of its packet).
"""
import json
import os
import random
import struct
import sys
import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.contrib.ikev2 import IKEv2, IKEv2_payload_Nonce  # noqa: E402
from scapy.layers.inet import ICMP, IP, IPOption_NOP, UDP, fragment  # noqa: E402
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, fragment6  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402
from scapy.layers.l2 import CookedLinux, CookedLinuxV2, Ether, Loopback  # noqa: E402
from scapy.packet import Raw, raw  # noqa: E402
from scapy.utils import PcapWriter, wrpcapng  # noqa: E402

# DESIGN.md, "The verdict contract": the Windows code of each drop stage.
BAD_SPI = 13910
REPLAY = 13913
INVALID_PACKET = 13914
INTEGRITY = 13915

START_TIME = 1790000000.0  # 2026-09-21, any fixed time will do
STEP = 0.001
OTHER_HOST_V4 = "192.0.2.99"  # a destination no key line names
WINDOW = 64  # the replay window diagnose uses by default


class Flow:
    """One SA as the sender holds it: scapy's SecurityAssociation plus our bookkeeping."""

    def __init__(self, name, sa, rng):
        self.name = name
        self.sa = sa
        self.rng = rng
        ip = IP if sa["family"] == 4 else IPv6
        outer = ip(src=sa["src"], dst=sa["dst"])
        kwargs = dict(
            spi=sa["spi"],
            crypt_algo=sa["crypt"],
            crypt_key=bytes.fromhex(sa["ckey"]) if sa["ckey"] else None,
            auth_algo=sa["auth"],
            auth_key=bytes.fromhex(sa["akey"]) if sa["akey"] else None,
        )
        if sa["mode"] == "tunnel":
            kwargs["tunnel_header"] = outer
        if sa["encap"] == "udp":
            # A peer behind a NAT is reached on the port its NAT chose (RFC 3948 2.1).
            kwargs["nat_t_header"] = UDP(sport=sa.get("sport", 4500), dport=sa.get("dport", 4500))
        self.assoc = SecurityAssociation(ESP, **kwargs)

    def inner(self, size):
        """The cleartext packet: ICMP echo through a tunnel, a UDP segment in transport mode."""
        data = bytes(self.rng.getrandbits(8) for _ in range(size))
        v4 = self.sa["family"] == 4
        if self.sa["mode"] == "tunnel":
            if v4:
                return IP(src="10.1.0.1", dst="10.2.0.1") / ICMP(id=7, seq=size) / Raw(data)
            return IPv6(src="2001:db8:1::1", dst="2001:db8:2::1") / ICMPv6EchoRequest(id=7, seq=size, data=data)
        ip = IP(src=self.sa["src"], dst=self.sa["dst"]) if v4 else IPv6(src=self.sa["src"], dst=self.sa["dst"])
        return ip / UDP(sport=40000, dport=7000) / Raw(data)

    def packet(self, seq, size=40, esn=None):
        """The outer IP packet carrying ESP with sequence number seq (and ESN high bits esn)."""
        inner = self.inner(size)
        inner = inner.__class__(raw(inner))  # freeze lengths and checksums
        esn_kwargs = {}
        if esn is not None:
            esn_kwargs = {"esn_en": True, "esn": esn}
        outer = self.assoc.encrypt(inner, seq_num=seq, **esn_kwargs)
        outer = fix_gcm_icv(outer, self.sa)
        outer = finish(outer)
        if self.sa["mode"] == "tunnel":
            meta = (len(raw(inner)), 4 if self.sa["family"] == 4 else 41)
        else:
            header = 20 if self.sa["family"] == 4 else 40
            meta = (header + len(raw(inner[UDP])), 17)
        return outer, meta


def fix_gcm_icv(outer, sa):
    """
    scapy 2.5's AES-GCM goes through cryptography's AESGCM, which always appends the full
    16-byte tag and ignores crypt_icv_size. RFC 4106 8 / NIST SP 800-38D 7.1: a shorter ICV is
    the leftmost bytes of the tag, so cut the rest (as test/io/keys/fixtures does).
    """
    icv = sa["icv"]
    if sa["crypt"] != "AES-GCM" or icv is None or icv >= 16:
        return outer
    outer[ESP].data = outer[ESP].data[: len(outer[ESP].data) - (16 - icv)]
    return outer


def finish(outer):
    """Lets scapy recompute every length and checksum (the NAT-T UDP one too) and freezes the bytes."""
    if IP in outer and outer.version == 4:
        del outer[IP].len
        del outer[IP].chksum
    else:
        del outer[IPv6].plen
    if UDP in outer:
        del outer[UDP].len
        del outer[UDP].chksum
    return outer.__class__(raw(outer))


class Scenario:
    def __init__(self, sas):
        self.rng = random.Random(20261127)
        self.flows = {name: Flow(name, sa, self.rng) for name, sa in sas.items()}
        self.sas = sas
        self.packets = []  # (ip packet, intent)
        self.seq = {name: 0 for name in sas}

    # ---- recording ---------------------------------------------------------------------

    def emit(self, pkt, did, verdict="none", sa=None, code=None, cause=None, reason=None, meta=None, spi=None, seq=None):
        intent = {
            "did": did, "sa": sa, "verdict": verdict, "code": code, "cause": cause, "reason": reason,
            "spi": None if spi is None else "0x%08x" % spi, "seq": seq, "frames": None,
            "innerLength": meta[0] if meta else None, "nextHeader": meta[1] if meta else None,
        }
        self.packets.append((pkt, intent))
        return intent

    def good(self, name, seq=None, size=40, esn=None, did="sent"):
        """A correct packet on SA name: delivered."""
        if seq is None:
            self.seq[name] += 1
            seq = self.seq[name]
        pkt, meta = self.flows[name].packet(seq, size, esn)
        return self.emit(pkt, did, "delivered", name, meta=meta, spi=self.sas[name]["spi"], seq=seq)

    def make(self, name, seq, size=40, esn=None):
        return self.flows[name].packet(seq, size, esn)

    # ---- the traffic -------------------------------------------------------------------

    def run(self):
        names = sorted(self.sas)
        good = [n for n in names if not n.startswith("esn-")]
        for _ in range(3):
            for name in good:
                self.good(name)
        self.esn_flow()
        self.esn_mismatch()
        self.replays("cbc128-sha256-udp4")
        self.tampered("gcm128-udp4")
        self.tampered("cbc256-sha384-esp6")
        self.unknown_spis()
        self.swapped_and_misdirected("gcm128-udp4")
        self.truncated("ctr128-sha256-udp4")
        self.ike_and_keepalives()
        self.fragments("gcm128-udp4", "ipv4 fragments of ESP in UDP")
        self.fragments("cbc192-sha512-esp4-transport", "ipv4 fragments of ESP")
        self.fragments("cbc256-sha384-esp6", "ipv6 fragments of ESP")
        self.odd_headers()
        self.not_esp()
        for name in good:
            self.good(name, did="after the failures")
        return self.packets

    def esn_flow(self):
        """ESN across the 2^32 boundary (RFC 4303 2.2.1): seq-hi 0 up to 2^32 - 1, then seq-hi 1."""
        name = "esn-gcm-udp4"
        for lo in range(0xFFFFFFFC, 0x100000000):
            self.good(name, seq=lo, esn=0, did="esn before the 2^32 boundary")
        for lo in range(1, 4):
            self.good(name, seq=lo, esn=1, did="esn after the 2^32 boundary")

    def esn_mismatch(self):
        """The sender uses ESN (the high half 0 is in the AAD, RFC 4106 5); the key file says 32-bit."""
        name = "esn-sender-only-udp4"
        for seq in (1, 2):
            pkt, _ = self.make(name, seq, esn=0)
            self.emit(pkt, "sender uses ESN, key file does not", "dropped", name, INTEGRITY, "esn-mismatch",
                      spi=self.sas[name]["spi"], seq=seq)

    def replays(self, name):
        """Reordering inside the window, then a packet left of it, then exact copies."""
        base = self.seq[name]
        late, old, top = base + 75, base + 5, base + 80
        held = {}
        for seq in range(base + 1, top + 1):
            if seq in (old, late):
                held[seq] = self.make(name, seq)
                continue
            self.good(name, seq=seq, did="in order")
        self.seq[name] = top
        spi = self.sas[name]["spi"]
        pkt, meta = held[late]
        self.emit(pkt, "late by 5, inside the window", "delivered", name, meta=meta, spi=spi, seq=late)
        pkt, _ = held[old]
        self.emit(pkt, "late by 75, left of the %d-packet window" % WINDOW, "dropped", name, REPLAY, "too-old", spi=spi, seq=old)
        for seq in (late, top):
            copy = next(p for p, it in self.packets if it["sa"] == name and it["seq"] == seq and it["verdict"] == "delivered")
            self.emit(copy.copy(), "exact copy of an earlier frame", "dropped", name, REPLAY, "duplicate", spi=spi, seq=seq)

    def tampered(self, name):
        """One ciphertext byte flipped on the path: the ICV fails."""
        self.seq[name] += 1
        seq = self.seq[name]
        pkt, _ = self.make(name, seq, size=100)
        esp = pkt[ESP]
        data = bytearray(esp.data)
        data[len(data) // 2] ^= 0x40
        esp.data = bytes(data)
        self.emit(finish(pkt), "one ciphertext byte flipped", "dropped", name, INTEGRITY, None, "icv-mismatch",
                  spi=self.sas[name]["spi"], seq=seq)
        self.good(name, did="the next packet is fine")

    def unknown_spis(self):
        """An SA the key file does not hold, and SPIs from the reserved range 1-255."""
        stranger = dict(self.sas["gcm128-udp4"], spi=0x5EC0DE01, ckey="ab" * 20)
        flow = Flow("stranger", stranger, self.rng)
        for seq in (1, 2):
            pkt, _ = flow.packet(seq)
            self.emit(pkt, "SA not in the key file", "dropped", None, BAD_SPI, "never-established", spi=0x5EC0DE01, seq=seq)
        for base, spi in (("gcm128-udp4", 0xFF), ("cbc192-sha512-esp4-transport", 0x01)):
            reserved = dict(self.sas[base], spi=spi)
            pkt, _ = Flow("reserved", reserved, self.rng).packet(1)
            self.emit(pkt, "SPI in the reserved range", "dropped", None, BAD_SPI, "reserved", spi=spi, seq=1)

    def swapped_and_misdirected(self, name):
        """B sends to A on A->B's SPI (swapped directions); A sends A->B's SA to a third address."""
        sa = self.sas[name]
        swapped = dict(sa, src=sa["dst"], dst=sa["src"])
        pkt, _ = Flow("swapped", swapped, self.rng).packet(1)
        self.emit(pkt, "B->A on the SPI of A->B", "dropped", None, BAD_SPI, "our-outbound-spi", spi=sa["spi"], seq=1)
        other = dict(sa, dst=OTHER_HOST_V4)
        pkt, _ = Flow("elsewhere", other, self.rng).packet(1)
        self.emit(pkt, "A->B's SPI sent to another destination", "dropped", None, BAD_SPI, "wrong-destination",
                  spi=sa["spi"], seq=1)

    def truncated(self, name):
        """ESP cut short by the sender (IP lengths agree): shorter than IV + ICV, and than the 8-byte header."""
        self.seq[name] += 1
        seq = self.seq[name]
        pkt, _ = self.make(name, seq)
        pkt[ESP].data = pkt[ESP].data[:10]
        self.emit(finish(pkt), "ESP shorter than IV + ICV", "dropped", name, INVALID_PACKET, None, "truncated-esp",
                  spi=self.sas[name]["spi"], seq=seq)
        sa = self.sas[name]
        short = IP(src=sa["src"], dst=sa["dst"], proto=50) / Raw(struct.pack("!IH", sa["spi"], 0))
        self.emit(finish(short), "6-byte ESP packet (IP protocol 50)", "dropped", None, INVALID_PACKET, None,
                  "truncated-esp-header")
        self.good(name, did="the next packet is fine")

    def ike_and_keepalives(self):
        a, b = self.sas["gcm128-udp4"]["src"], self.sas["gcm128-udp4"]["dst"]
        ike = IKEv2(init_SPI=b"\x11" * 8, exch_type=34, flags="Initiator") / IKEv2_payload_Nonce(load=b"\x22" * 32)
        self.emit(finish(IP(src=a, dst=b) / UDP(sport=500, dport=500) / ike), "IKE_SA_INIT on UDP 500")
        marker = b"\x00\x00\x00\x00" + raw(IKEv2(init_SPI=b"\x11" * 8, resp_SPI=b"\x33" * 8, exch_type=35))
        self.emit(finish(IP(src=a, dst=b) / UDP(sport=4500, dport=4500) / Raw(marker)), "IKE on UDP 4500 after the non-ESP marker")
        self.emit(finish(IP(src=a, dst=b) / UDP(sport=4500, dport=4500) / Raw(b"\xff")), "NAT-keepalive (RFC 3948 2.3)")

    def fragments(self, name, did):
        """A large ESP packet cut into IP fragments on the path; it is judged at its last fragment."""
        self.seq[name] += 1
        seq = self.seq[name]
        pkt, meta = self.make(name, seq, size=1400)
        if pkt.version == 4:
            pieces = fragment(pkt, fragsize=512)
        else:
            # fragment6() wants the Fragment header in place; it carries the ESP next header.
            body = raw(pkt[IPv6].payload)
            pkt = IPv6(src=pkt[IPv6].src, dst=pkt[IPv6].dst) / IPv6ExtHdrFragment(nh=pkt[IPv6].nh, id=0x1234) / Raw(body)
            pieces = fragment6(pkt, 600)
        first = len(self.packets) + 1
        frames = list(range(first, first + len(pieces)))
        for i, piece in enumerate(pieces):
            if i < len(pieces) - 1:
                self.emit(piece, did + " (not the last)")
            else:
                intent = self.emit(piece, did + " (last)", "delivered", name, meta=meta, spi=self.sas[name]["spi"], seq=seq)
                intent["frames"] = frames

    def odd_headers(self):
        """Outer headers a capture from another stack can have; none of them changes the verdict."""
        def resend(name, did, rebuild):
            self.seq[name] += 1
            seq = self.seq[name]
            pkt, meta = self.make(name, seq)
            self.emit(rebuild(pkt), did, "delivered", name, meta=meta, spi=self.sas[name]["spi"], seq=seq)

        def dest_opts(pkt):
            ip6 = pkt[IPv6]
            return finish(IPv6(src=ip6.src, dst=ip6.dst) / IPv6ExtHdrDestOpt(nh=ip6.nh) / Raw(raw(ip6.payload)))

        def ip_options(pkt):
            ip = pkt[IP]
            return finish(IP(src=ip.src, dst=ip.dst, proto=ip.proto, options=[IPOption_NOP()] * 4) / Raw(raw(ip.payload)))

        def offloaded_udp_checksum(pkt):
            # Captured on the sender before the NIC filled it in (checksum offload).
            pkt[UDP].chksum = 0x1234
            return pkt.__class__(raw(pkt))

        def zero_ip_checksum(pkt):
            pkt[IP].chksum = 0
            return pkt.__class__(raw(pkt))

        resend("cbc256-sha384-esp6", "IPv6 destination options header before ESP", dest_opts)
        resend("ctr128-sha256-udp4", "IPv4 header with options (IHL 6)", ip_options)
        resend("gcm128-udp4", "NAT-T UDP checksum not yet filled in (offload)", offloaded_udp_checksum)
        resend("cbc192-sha512-esp4-transport", "IPv4 header checksum 0 (offload)", zero_ip_checksum)

    def not_esp(self):
        a, b = self.sas["gcm128-udp4"]["src"], self.sas["gcm128-udp4"]["dst"]
        self.emit(finish(IP(src=a, dst=b) / UDP(sport=5353, dport=53) / Raw(b"\x12\x34" + b"\x00" * 10)), "DNS query")
        self.emit(finish(IP(src=a, dst=b) / ICMP()), "ICMP echo")


# ---- link layers and files -----------------------------------------------------------------

def family_of(pkt):
    return 4 if pkt.version == 4 else 6


def ether(pkt):
    etype = 0x0800 if family_of(pkt) == 4 else 0x86DD
    return Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b", type=etype) / pkt


def sll(pkt):
    proto = 0x0800 if family_of(pkt) == 4 else 0x86DD
    return CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=b"\x02\x00\x00\x00\x00\x0a\x00\x00", proto=proto) / pkt


def sll2(pkt):
    proto = 0x0800 if family_of(pkt) == 4 else 0x86DD
    return CookedLinuxV2(proto=proto, ifindex=3, lladdrtype=1, pkttype=0, lladdrlen=6,
                         src=b"\x02\x00\x00\x00\x00\x0a\x00\x00") / pkt


def null(pkt):
    # Darwin's AF_INET6 (30), as a macOS capture on lo0 or utun has it.
    return Loopback(type=2 if family_of(pkt) == 4 else 30) / pkt


def raw_ip(pkt):
    return pkt


VARIANTS = [
    # file, link wrapper, linktype, writer options, note
    ("ether.pcap", ether, 1, {}, "Ethernet, little-endian microsecond pcap"),
    ("ether-be-nano.pcap", ether, 1, {"endianness": ">", "nano": True}, "Ethernet, big-endian nanosecond pcap"),
    ("sll.pcap", sll, 113, {}, "Linux cooked v1 (tcpdump -i any before libpcap 1.10)"),
    ("sll2.pcap", sll2, 276, {}, "Linux cooked v2 (tcpdump -i any, libpcap 1.10+)"),
    ("raw.pcap", raw_ip, None, {}, "raw IP as scapy numbers it on Linux (DLT_RAW 12)"),
    ("raw101.pcap", raw_ip, 101, {}, "raw IP, LINKTYPE_RAW 101"),
    ("null.pcap", null, 0, {}, "BSD loopback NULL"),
]


def write_pcap(path, frames, wrapper, linktype, opts):
    kwargs = dict(opts)
    if linktype is not None:
        kwargs["linktype"] = linktype
    with PcapWriter(path, sync=False, **kwargs) as w:
        for i, pkt in enumerate(frames):
            framed = wrapper(pkt)
            framed.time = START_TIME + i * STEP
            w.write(framed)


def main():
    request = json.load(sys.stdin)
    out = request["out"]
    packets = Scenario(request["sas"]).run()
    frames = [p for p, _ in packets]
    intent = []
    for i, (_, it) in enumerate(packets):
        it["frame"] = i + 1
        intent.append(it)
    captures = []
    for name, wrapper, linktype, opts, note in VARIANTS:
        path = os.path.join(out, name)
        write_pcap(path, frames, wrapper, linktype, opts)
        captures.append({"file": path, "format": "pcap", "note": note})
    # scapy's pcapng writer always declares Ethernet (RawPcapNgWriter.linktype), so only
    # Ethernet frames go into it.
    path = os.path.join(out, "ether.pcapng")
    framed = []
    for i, pkt in enumerate(frames):
        f = ether(pkt)
        f.time = START_TIME + i * STEP
        framed.append(f)
    wrpcapng(path, framed)
    captures.append({"file": path, "format": "pcapng", "note": "Ethernet pcapng (scapy wrpcapng)"})
    json.dump({"captures": captures, "intent": intent, "frames": len(frames)}, sys.stdout)


if __name__ == "__main__":
    main()
