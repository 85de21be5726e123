#!/usr/bin/python3
"""Small captures written by scapy for test/external/cli-input.test.ts.

stdin:  {"out": folder, "sas": {name: sa}} with sa as in scapy_captures.py (family, src, dst,
        spi, crypt, ckey, auth, akey, icv, mode, encap).
writes: iface-ether.pcap, iface-sll2.pcap, iface-raw.pcap   one SA each, 5 packets, times
            interleaved so that mergecap puts them into one pcapng with three interfaces;
        vlan.pcap        Ethernet frames with one 802.1Q tag, and 802.1ad + 802.1Q (Q-in-Q);
        sizes.pcap       packets alternately small and large (for editcap -s);
        port4501.pcap    ESP in UDP on port 4501 at both ends, not 4500;
        trailer.pcap     Ethernet frames with 8 bytes of trailer after the IP packet (for editcap -s);
        fragments.pcap   three fragmented packets: all fragments of the first, the second
            missing its middle fragment, the first fragment of the third twice;
        ieee80211.pcap   a link type diagnose does not decode (LINKTYPE_IEEE802_11, 105).
stdout: {"files": {name: [{"sa", "spi", "seq", "size", "time", "role"?}...]}} the frames of each
        file in order ("role" for fragments.pcap: "fragment" or "last").
"""
import json
import os
import sys
import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.layers.dot11 import Dot11, Dot11Beacon  # noqa: E402
from scapy.layers.inet import ICMP, IP, UDP, fragment  # noqa: E402
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402
from scapy.layers.l2 import CookedLinuxV2, Dot1AD, Dot1Q, Ether  # noqa: E402
from scapy.packet import Padding, Raw, raw  # noqa: E402
from scapy.utils import PcapWriter  # noqa: E402

START = 1790000000.0


def association(sa):
    outer = (IP if sa["family"] == 4 else IPv6)(src=sa["src"], dst=sa["dst"])
    kwargs = dict(spi=sa["spi"], crypt_algo=sa["crypt"], crypt_key=bytes.fromhex(sa["ckey"]) if sa["ckey"] else None,
                  auth_algo=sa["auth"], auth_key=bytes.fromhex(sa["akey"]) if sa["akey"] else None, tunnel_header=outer)
    if sa["encap"] == "udp":
        port = sa.get("port", 4500)
        kwargs["nat_t_header"] = UDP(sport=port, dport=port)
    return SecurityAssociation(ESP, **kwargs)


def esp_packet(sa, assoc, seq, size):
    if sa["family"] == 4:
        inner = IP(src="10.1.0.1", dst="10.2.0.1") / ICMP(seq=seq) / Raw(b"\x5a" * size)
    else:
        inner = IPv6(src="2001:db8:1::1", dst="2001:db8:2::1") / ICMPv6EchoRequest(seq=seq, data=b"\x5a" * size)
    pkt = assoc.encrypt(inner.__class__(raw(inner)), seq_num=seq)
    if UDP in pkt:
        # scapy 2.5 freezes the NAT-T UDP length at 8 (it builds IP/UDP before adding ESP) and
        # leaves the checksum 0 (invalid over IPv6): let it compute both, as a real stack does.
        del pkt[UDP].len
        del pkt[UDP].chksum
    return pkt.__class__(raw(pkt))


def ethertype(pkt):
    return 0x0800 if pkt.version == 4 else 0x86DD


def write(path, frames, linktype=None):
    kwargs = {} if linktype is None else {"linktype": linktype}
    with PcapWriter(path, sync=False, **kwargs) as w:
        for f in frames:
            w.write(f)


def main():
    request = json.load(sys.stdin)
    out, sas = request["out"], request["sas"]
    files = {}

    def flow(file, name, offset, count=5, sizes=(40,), wrap=None, linktype=None, port=None):
        sa = dict(sas[name], port=port) if port else sas[name]
        assoc = association(sa)
        frames, listing = [], []
        for i in range(count):
            seq = i + 1
            size = sizes[i % len(sizes)]
            pkt = esp_packet(sa, assoc, seq, size)
            framed = wrap(pkt, i) if wrap else pkt
            framed.time = START + offset + i * 0.01
            frames.append(framed)
            listing.append({"sa": name, "spi": "0x%08x" % sa["spi"], "seq": seq, "size": len(raw(framed)), "time": float(framed.time)})
        write(os.path.join(out, file), frames, linktype)
        files[file] = listing

    flow("iface-ether.pcap", "gcm-udp4", 0.000, wrap=lambda p, i: Ether(type=ethertype(p)) / p)
    flow("iface-sll2.pcap", "cbc-esp4", 0.003,
         wrap=lambda p, i: CookedLinuxV2(proto=ethertype(p), ifindex=2, lladdrtype=1, lladdrlen=6) / p)
    flow("iface-raw.pcap", "ctr-udp6", 0.006, linktype=101)

    def vlan(p, i):
        if i % 2 == 0:
            return Ether() / Dot1Q(vlan=100, type=ethertype(p)) / p
        return Ether() / Dot1AD(vlan=200) / Dot1Q(vlan=100, type=ethertype(p)) / p

    flow("vlan.pcap", "gcm-udp4", 0.0, count=6, wrap=vlan)
    flow("port4501.pcap", "gcm-udp4", 0.0, wrap=lambda p, i: Ether(type=ethertype(p)) / p, port=4501)
    flow("sizes.pcap", "gcm-udp4", 0.0, count=8, sizes=(40, 900), wrap=lambda p, i: Ether(type=ethertype(p)) / p)

    # Each frame ends in 8 bytes of Ethernet trailer (padding after the IP packet), which a
    # snaplen can cut without touching the IP packet.
    flow("trailer.pcap", "gcm-udp4", 0.0, count=4, wrap=lambda p, i: Ether(type=ethertype(p)) / p / Padding(b"\x00" * 8))

    # Three large packets cut into IP fragments; the middle fragment of the second is lost
    # and the first fragment of the third arrives twice.
    sa = sas["gcm-udp4"]
    assoc = association(sa)
    frames, listing = [], []
    for seq in (1, 2, 3):
        whole = esp_packet(sa, assoc, seq, 1200)
        whole[IP].id = 0x4000 + seq  # each datagram its own identification (RFC 791 3.2)
        pieces = fragment(whole.__class__(raw(whole)), fragsize=480)
        for i, piece in enumerate(pieces):
            role = "last" if i == len(pieces) - 1 else "fragment"
            if seq == 2 and i == 1:
                continue
            copies = 2 if seq == 3 and i == 0 else 1
            for _ in range(copies):
                frame = Ether(type=0x0800) / piece
                frame.time = START + len(frames) * 0.001
                frames.append(frame)
                listing.append({"sa": "gcm-udp4", "spi": "0x%08x" % sa["spi"], "seq": seq, "size": len(raw(frame)),
                                "time": float(frame.time), "role": role})
    write(os.path.join(out, "fragments.pcap"), frames)
    files["fragments.pcap"] = listing

    beacon = Dot11(type=0, subtype=8, addr1="ff:ff:ff:ff:ff:ff", addr2="02:00:00:00:00:01", addr3="02:00:00:00:00:01") / Dot11Beacon()
    beacon.time = START
    write(os.path.join(out, "ieee80211.pcap"), [beacon], 105)
    files["ieee80211.pcap"] = []
    json.dump({"files": files}, sys.stdout)


if __name__ == "__main__":
    main()
