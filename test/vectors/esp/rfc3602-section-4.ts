// RFC 3602 (The AES-CBC Cipher Algorithm and Its Use with IPsec), section 4 "Test Vectors",
// cases #5 to #8: the ones with complete ESP packets (no authentication in the RFC). `packet`
// is the ESP part (from the SPI) of the RFC's "Post-encryption packet".
export interface Rfc3602Case {
  readonly name: string;
  readonly key: string;
  readonly spi: number;
  readonly seq: number;
  readonly iv: string;
  /** The data the RFC augments with padding, pad length and next header. */
  readonly payload: string;
  readonly padLength: number;
  readonly nextHeader: number;
  readonly packet: string;
}

export const RFC3602_CASES: readonly Rfc3602Case[] = [
  {
    name: 'Case #5: transport-mode ESP packet (ping 192.168.123.100)',
    key: '90d382b4 10eeba7a d938c46c ec1a82bf', spi: 0x4321, seq: 1, iv: 'e96e8c08 ab465763 fd098d45 dd3ff893',
    payload: `08000ebd a70a0000 8e9c083d b95b0700 08090a0b 0c0d0e0f 10111213 14151617
      18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 34353637`,
    padLength: 14, nextHeader: 1,
    packet: `00004321 00000001 e96e8c08 ab465763 fd098d45 dd3ff893
      f663c25d 325c18c6 a9453e19 4e120849 a4870b66 cc6b9965 330013b4 898dc856
      a4699e52 3a55db08 0b59ec3a 8e4b7e52 775b07d1 db34ed9c 538ab50c 551b874a
      a269add0 47ad2d59 13ac19b7 cfbad4a6`,
  },
  {
    name: 'Case #6: transport-mode ESP packet (ping -p 77 -s 20 192.168.123.100)',
    key: '90d382b4 10eeba7a d938c46c ec1a82bf', spi: 0x4321, seq: 8, iv: '69d08df7 d203329d b093fc49 24e5bd80',
    payload: '0800b5e8 a80a0500 a69c083d 0b660e00 77777777 77777777 77777777',
    padLength: 2, nextHeader: 1,
    packet: `00004321 00000008 69d08df7 d203329d b093fc49 24e5bd80
      f5199588 1ec4e0c4 488987ce 742e8109 689bb379 d2d750c0 d915dca3 46a89f75`,
  },
  {
    name: 'Case #7: tunnel-mode ESP packet (ping 192.168.123.200)',
    key: '01234567 89abcdef 01234567 89abcdef', spi: 0x8765, seq: 2, iv: 'f4e76524 4f6407ad f13dc138 0f673f37',
    payload: `45000054 09040000 4001f988 c0a87b03 c0a87bc8 08009f76 a90a0100 b49c083d
      02a20400 08090a0b 0c0d0e0f 10111213 14151617 18191a1b 1c1d1e1f 20212223
      24252627 28292a2b 2c2d2e2f 30313233 34353637`,
    padLength: 10, nextHeader: 4,
    packet: `00008765 00000002 f4e76524 4f6407ad f13dc138 0f673f37
      773b5241 a4c44922 5e4f3ce5 ed611b0c 237ca96c f74a9301 3c1b0ea1 a0cf70f8
      e4ecaec7 8ac53aad 7a0f022b 859243c6 47752e94 a859352b 8a4d4d2d ecd136e5
      c177f132 ad3fbfb2 201ac990 4c74ee0a 109e0ca1 e4dfe9d5 a100b842 f1c22f0d`,
  },
  {
    name: 'Case #8: tunnel-mode ESP packet (ping -p ff -s 40 192.168.123.200)',
    key: '01234567 89abcdef 01234567 89abcdef', spi: 0x8765, seq: 5, iv: '85d47224 b5f3dd5d 2101d4ea 8dffab22',
    payload: `45000044 090c0000 4001f990 c0a87b03 c0a87bc8 0800d63c aa0a0200 c69c083d
      a3de0300 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff
      ffffffff`,
    padLength: 10, nextHeader: 4,
    packet: `00008765 00000005 85d47224 b5f3dd5d 2101d4ea 8dffab22
      15b92683 819596a8 047232cc 00f7048f e45318e1 1f8a0f62 ede3c3fc 61203bb5
      0f980a08 c9843fd3 a1b06d5c 07ff9639 b7eb7dfb 3512e5de 435e7207 ed971ef3
      d2726d9b 5ef6affc 6d17a0de cbb13892`,
  },
];
