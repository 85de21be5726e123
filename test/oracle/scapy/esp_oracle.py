#!/usr/bin/python3
"""ESP oracle for test/oracle/scapy-esp.test.ts, built on scapy's SecurityAssociation.

Reads one JSON object from stdin: {"phase": "encrypt" | "decrypt", "cases": [...]}, writes
one JSON object to stdout: {"results": [...]} in the same order. Every case carries the SA:
  crypt_algo, crypt_key (hex, key || salt/nonce as scapy expects), auth_algo (or null),
  auth_key (hex), spi, seq, esn_en, esn (the high 32 bits), inner (description or hex).
encrypt: scapy builds the inner packet from "inner" = {"version", "payload_len", "seed"},
         encrypts it in tunnel mode and returns {"inner": hex, "esp": hex}.
decrypt: "esp" (hex, from the SPI on) is wrapped in an outer IP header and decrypted with
         integrity verification; returns {"inner": hex, "next_header": n}.
A failing case returns {"error": "..."} instead of stopping the batch.
"""
import json
import random
import sys

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.packet import Raw, raw

OUTER_V4 = IP(src="192.0.2.1", dst="192.0.2.2")


def security_association(case):
    return SecurityAssociation(
        ESP,
        spi=case["spi"],
        crypt_algo=case["crypt_algo"],
        crypt_key=bytes.fromhex(case["crypt_key"]),
        auth_algo=case["auth_algo"],
        auth_key=bytes.fromhex(case["auth_key"]) if case["auth_algo"] else None,
        tunnel_header=OUTER_V4,
        esn_en=case["esn_en"],
        esn=case["esn"],
    )


def inner_packet(desc):
    rng = random.Random(desc["seed"])
    data = bytes(rng.getrandbits(8) for _ in range(desc["payload_len"]))
    udp = UDP(sport=rng.randrange(1, 65536), dport=rng.randrange(1, 65536)) / Raw(load=data)
    if desc["version"] == 6:
        return IPv6(src="2001:db8::1", dst="2001:db8::2") / udp
    return IP(src="10.0.0.1", dst="10.0.0.2", id=rng.randrange(65536)) / udp


def encrypt(case):
    sa = security_association(case)
    inner = inner_packet(case["inner"])
    inner = inner.__class__(raw(inner))  # freeze lengths and checksums
    outer = sa.encrypt(inner, seq_num=case["seq"])
    return {"inner": raw(inner).hex(), "esp": raw(outer[ESP]).hex()}


def decrypt(case):
    sa = security_association(case)
    outer = IP(raw(OUTER_V4 / ESP(bytes.fromhex(case["esp"]))))
    inner = sa.decrypt(outer)  # raises IPSecIntegrityError when the ICV does not verify
    return {"inner": raw(inner).hex(), "next_header": outer.proto}


def main():
    request = json.load(sys.stdin)
    run = encrypt if request["phase"] == "encrypt" else decrypt
    results = []
    for case in request["cases"]:
        try:
            results.append(run(case))
        except Exception as err:  # report per case; the test shows which one failed
            results.append({"error": f"{type(err).__name__}: {err}"})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
