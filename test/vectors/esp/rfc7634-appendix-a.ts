// RFC 7634 (ChaCha20, Poly1305 and their use in IKE and IPsec), Appendix A: "ESP Example".
// An ICMP echo in tunnel mode (next header 4), SPI 0x01020304, sequence number 5, no ESN.
// Values as printed in the RFC (hex, spaces removed).
export const RFC7634_ESP_EXAMPLE = {
  /** KEYMAT: 32-byte ChaCha20 key followed by the 4-byte salt (RFC 7634 3). */
  keymat: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f a0a1a2a3',
  spi: 0x01020304,
  seq: 5,
  iv: '1011121314151617',
  /** payload || padding (01 02) || pad length (02) || next header (04). */
  plaintext: `4500 0054 a6f2 0000 4001 e778 c633 6405 c000 0205 0800 5b7a 3a08 0000 553b ec10
    0007 3627 0809 0a0b 0c0d 0e0f 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f 2021 2223 2425 2627
    2829 2a2b 2c2d 2e2f 3031 3233 3435 3637 0102 0204`,
  ciphertext: `24039428b97f417e3c13753a4f05087b 67c352e6a7fab1b982d466ef407ae5c6 14ee8099d52844eb61aa95dfab4c02f7
    2aa71e7c4c4f64c9befe2facc638e8f3 cbec163fac469b502773f6fb94e664da 9165b82829f641e0`,
  tag: '76aaa8266b7fb0f7b11b369907e1ad43',
} as const;
