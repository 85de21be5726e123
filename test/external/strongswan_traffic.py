#!/usr/bin/python3
"""Traffic through the strongSwan tunnel of test/external/strongswan-capture.test.ts.

Run inside a namespace with `ip netns exec`. Subcommands (each prints one JSON line):

  echo ADDR PORT
      UDP echo server: sends every datagram back to its sender. Prints {"ready": true} once bound.
  send SRC DST PORT COUNT
      Sends COUNT datagrams from SRC to DST:PORT, 50 ms apart, and counts the echoes that come
      back within ECHO_WAIT seconds after the last: {"sent": n, "echoed": m}. An echo means the peer's
      strongSwan accepted the ESP packet and the reply made it back.
  inject IFACE SRC DST PORT
      Sends one datagram SRC -> DST:PORT, catches the ESP-in-UDP frame it becomes on IFACE, and
      puts two frames of our own on the wire after it: the same frame again (a replay) and a
      copy whose ESP sequence number is raised by 1000 (a middlebox rewriting it: the ICV, which
      covers it, no longer verifies). Counts the echoes: only the original datagram's comes back
      if the peer refused both. Prints {"spi", "seq", "tamperedSeq", "echoed"}.
"""
import json
import socket
import struct
import sys
import threading
import time
import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

# Seconds to wait for echoes after the last datagram: generous, the machine may be busy.
ECHO_WAIT = 2.0


def echo(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    print(json.dumps({"ready": True}), flush=True)
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def count_echoes(s, wanted, deadline):
    got = 0
    while got < wanted:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            s.recvfrom(65535)
        except socket.timeout:
            break
        got += 1
    return got


def send(src, dst, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    count = int(count)
    for i in range(count):
        s.sendto(b"ipsec-ts %04d " % i + b"x" * 64, (dst, int(port)))
        time.sleep(0.05)
    echoed = count_echoes(s, count, time.monotonic() + ECHO_WAIT)
    print(json.dumps({"sent": count, "echoed": echoed}), flush=True)


def inject(iface, src, dst, port):
    from scapy.layers.inet import UDP
    from scapy.packet import Raw
    from scapy.sendrecv import AsyncSniffer, sendp

    def is_esp(pkt):
        # RFC 3948 2.2: ESP in UDP has a non-zero first word where IKE has the non-ESP marker.
        return UDP in pkt and pkt[UDP].sport == 4500 and len(pkt[UDP].payload) > 8 and bytes(pkt[UDP].payload)[:4] != b"\0\0\0\0"

    started = threading.Event()
    sniffer = AsyncSniffer(iface=iface, lfilter=is_esp, count=1, timeout=5, started_callback=started.set)
    sniffer.start()
    started.wait(5)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.sendto(b"ipsec-ts replay me", (dst, int(port)))
    sniffer.join()
    frames = sniffer.results
    if not frames:
        print(json.dumps({"error": "no ESP frame seen on " + iface}), flush=True)
        sys.exit(1)
    frame = frames[0]
    esp = bytes(frame[UDP].payload)
    spi, seq = struct.unpack("!II", esp[:8])
    time.sleep(0.1)
    sendp(frame, iface=iface, verbose=False)
    tampered = frame.copy()
    tampered[UDP].remove_payload()
    tampered[UDP].add_payload(Raw(esp[:4] + struct.pack("!I", seq + 1000) + esp[8:]))
    del tampered[UDP].chksum  # recomputed, so the peer's kernel does not drop it first
    time.sleep(0.1)
    sendp(tampered, iface=iface, verbose=False)
    echoed = count_echoes(s, 3, time.monotonic() + ECHO_WAIT)
    print(json.dumps({"spi": "0x%08x" % spi, "seq": seq, "tamperedSeq": seq + 1000, "echoed": echoed}), flush=True)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"echo": echo, "send": send, "inject": inject}[cmd](*args)


if __name__ == "__main__":
    main()
