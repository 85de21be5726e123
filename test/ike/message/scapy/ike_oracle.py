#!/usr/bin/python3
# IKEv2 oracle for test/ike/message/scapy.test.ts: scapy's contrib ikev2 module (an independent
# implementation) builds IKE_SA_INIT messages ("generate") or parses ours ("parse").
# JSON on stdout. Every Next Payload is set by hand: scapy 2.5 fills it only after the header.
# Avoided: notifies with an SPI (scapy 2.5 sizes their data without the SPI).
import json
import sys

from scapy.contrib.ikev2 import (IKEv2, IKEv2_payload_CERTREQ, IKEv2_payload_KE, IKEv2_payload_Nonce,
                                 IKEv2_payload_Notify, IKEv2_payload_Proposal, IKEv2_payload_SA,
                                 IKEv2_payload_Transform, IKEv2_payload_VendorID)


def transforms(spec):
    out = None
    for i, (ttype, tid, keylen) in enumerate(spec):
        last = i == len(spec) - 1
        kw = dict(next_payload=0 if last else 3, transform_type=ttype, transform_id=tid)
        if keylen is not None:
            kw.update(length=12, key_length=keylen)
        t = IKEv2_payload_Transform(**kw)
        out = t if out is None else out / t
    return out


def generate():
    spi_i = bytes(range(1, 9))
    spi_r = bytes(range(0x11, 0x19))
    props = (IKEv2_payload_Proposal(next_payload=2, proposal=1, proto=1, trans_nb=4,
                                    trans=transforms([(1, 12, 256), (2, 5, None), (3, 12, None), (4, 19, None)]))
             / IKEv2_payload_Proposal(next_payload=0, proposal=2, proto=1, trans_nb=3,
                                      trans=transforms([(1, 20, 128), (2, 7, None), (4, 31, None)])))
    request = (IKEv2(init_SPI=spi_i, resp_SPI=b'\0' * 8, exch_type=34, flags='Initiator', id=0)
               / IKEv2_payload_SA(next_payload=34, prop=props)
               / IKEv2_payload_KE(next_payload=40, group=19, load=b'\xaa' * 64)
               / IKEv2_payload_Nonce(next_payload=41, load=b'\xbb' * 32)
               / IKEv2_payload_Notify(next_payload=41, type=16388, load=b'\xcc' * 20)
               / IKEv2_payload_Notify(next_payload=43, type=16389, load=b'\xdd' * 20)
               / IKEv2_payload_VendorID(next_payload=0, vendorID=b'\x88' * 16))
    response = (IKEv2(init_SPI=spi_i, resp_SPI=spi_r, exch_type=34, flags='Response', id=0)
                / IKEv2_payload_SA(next_payload=34, prop=IKEv2_payload_Proposal(next_payload=0, proposal=1, proto=1, trans_nb=4,
                                                               trans=transforms([(1, 12, 256), (2, 5, None), (3, 12, None), (4, 19, None)])))
                / IKEv2_payload_KE(next_payload=40, group=19, load=b'\x5a' * 64)
                / IKEv2_payload_Nonce(next_payload=38, load=b'\x5b' * 48)
                / IKEv2_payload_CERTREQ(next_payload=41, cert_type=4, cert_data=b'\x77' * 20)
                / IKEv2_payload_Notify(next_payload=0, type=16430))
    cookie = (IKEv2(init_SPI=spi_i, resp_SPI=b'\0' * 8, exch_type=34, flags='Response', id=0)
              / IKEv2_payload_Notify(next_payload=0, type=16390, load=b'\x42' * 16))
    print(json.dumps([bytes(m).hex() for m in (request, response, cookie)]))


def describe(raw):
    m = IKEv2(raw)
    out = {'exch_type': m.exch_type, 'flags': int(m.flags), 'id': m.id, 'length': m.length, 'payloads': []}
    p = m.payload
    while p is not None and p.name != 'Raw' and hasattr(p, 'next_payload'):
        item = {'name': p.name, 'length': p.length}
        if isinstance(p, IKEv2_payload_Notify):
            item.update(type=p.type, data=bytes(p.load).hex())
        elif isinstance(p, IKEv2_payload_KE):
            item.update(group=p.group, data=bytes(p.load).hex())
        elif isinstance(p, IKEv2_payload_Nonce):
            item.update(data=bytes(p.load).hex())
        elif isinstance(p, IKEv2_payload_SA):
            props = []
            q = p.prop
            while isinstance(q, IKEv2_payload_Proposal):
                ts = []
                t = q.trans
                while isinstance(t, IKEv2_payload_Transform):
                    ts.append([t.transform_type, t.transform_id, t.key_length if t.length > 8 else None])
                    t = t.payload
                props.append({'num': q.proposal, 'proto': q.proto, 'transforms': ts})
                q = q.payload
            item.update(proposals=props)
        out['payloads'].append(item)
        p = p.payload
    return out


def parse():
    print(json.dumps([describe(bytes.fromhex(x)) for x in json.load(sys.stdin)]))


def numbers():
    import scapy.contrib.ikev2 as m
    print(json.dumps({
        'notify': {name: n for n, name in m.IKEv2NotifyMessageTypes.items()},
        'transforms': {kind: table for kind, (_, table, _) in m.IKEv2AttributeTypes.items()},
        'auth': {str(n): name for n, name in m.IKEv2AuthenticationTypes.items()},
        'cert': {str(n): name for n, name in m.IKEv2CertificateEncodings.items()},
        'ts': {name: n for n, name in m.IKEv2TrafficSelectorTypes.items()},
        'cfg': {name: n for n, name in m.IKEv2ConfigurationPayloadCFGTypes.items()},
        'payload': {name: n for n, name in enumerate(m.IKEv2_payload_type) if name},
        'exchange': {name: n for n, name in enumerate(m.IKEv2_exchange_type) if name},
    }))


{'generate': generate, 'parse': parse, 'numbers': numbers}[sys.argv[1]]()
