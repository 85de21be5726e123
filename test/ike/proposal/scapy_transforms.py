# Oracle for the proposal tests: scapy's own IKEv2 tables (scapy.contrib.ikev2) turn transform
# names into numbers, and scapy builds each transform so the Key Length attribute is its encoding.
# stdin: JSON list of [type_name, id_name, key_length_or_null]
# stdout: JSON list of [type, id, key_length_or_null, attribute_type_or_null]
import json
import sys

from scapy.contrib.ikev2 import IKEv2_payload_Transform, IKEv2TransformTypes

out = []
for type_name, id_name, key_length in json.load(sys.stdin):
    type_num, ids, _ = IKEv2TransformTypes[type_name]
    if key_length is None:
        t = IKEv2_payload_Transform(transform_type=type_num, transform_id=ids[id_name])
    else:
        t = IKEv2_payload_Transform(transform_type=type_num, transform_id=ids[id_name], length=12, key_length=key_length)
    raw = bytes(t)
    # RFC 7296 3.3.2: 8-octet transform header, then attributes; 3.3.5: AF bit + 15-bit type, TV value.
    attr_type = None
    key = None
    if len(raw) > 8:
        attr_type = int.from_bytes(raw[8:10], 'big') & 0x7FFF
        key = int.from_bytes(raw[10:12], 'big')
    out.append([raw[4], int.from_bytes(raw[6:8], 'big'), key, attr_type])
json.dump(out, sys.stdout)
