// AES-GMAC in ESP (RFC 4543, ENCR_NULL_AUTH_AES_GMAC): NULL encryption with GMAC integrity.
// RFC 4543 3 (reviewed in draft-mcgrew-gcm-test-01 3): nonce = salt || IV, plaintext = {} and
// AAD = SPI || sequence number (SPI || seq-hi || seq-lo with ESN) || IV ||
// payload || padding || pad length || next header, all carried in clear; ICV = 16-byte tag.
import { aadOf, AeadKey } from './aead.js';
import type { AeadAlgorithm } from './aead.js';
import type { EspTransformOps } from './ops.js';
import { ESP_HEADER_LENGTH, finalVerifies, view } from './ops.js';

const IV_LENGTH = 8;
const PT_OFFSET = ESP_HEADER_LENGTH + IV_LENGTH;
const TAG_LENGTH = 16; // RFC 4543 3: the full 16-octet tag

export class GmacTransform extends AeadKey implements EspTransformOps {
  get ivLength(): number { return IV_LENGTH; }
  get icvLength(): number { return TAG_LENGTH; }
  get alignment(): number { return 4; }
  get aead(): boolean { return true; }
  /** RFC 4543 3: the IV must not repeat for a key; the sequence number does not. */
  get ivSource(): 'sequence' { return 'sequence'; }
  get minCiphertext(): number { return 2; }
  get clearText(): boolean { return true; }

  /** keyMaterial = AES key || salt; algorithm is the matching aes-*-gcm. */
  constructor(algorithm: AeadAlgorithm, keyMaterial: Uint8Array) {
    super(algorithm, keyMaterial, TAG_LENGTH);
  }

  /** Everything before the ICV is AAD; with ESN the header part is rebuilt with seq-hi. */
  private authenticate(c: { setAAD(data: Uint8Array): unknown }, packet: Buffer, end: number, esn: boolean, seqHi: number): void {
    if (esn) {
      c.setAAD(aadOf(packet, true, seqHi));
      c.setAAD(view(packet, ESP_HEADER_LENGTH, end));
    } else {
      c.setAAD(view(packet, 0, end));
    }
  }

  staging(): Buffer {
    throw new Error('assertion: AES-GMAC sends clear text, written in place');
  }

  seal(packet: Buffer, plaintextLength: number, esn: boolean, seqHi: number): void {
    const end = PT_OFFSET + plaintextLength;
    const c = this.cipher(packet);
    this.authenticate(c, packet, end, esn, seqHi);
    c.final();
    packet.set(c.getAuthTag(), end);
  }

  open(packet: Buffer, ciphertextLength: number, esn: boolean, seqHi: number): Buffer | null {
    const end = PT_OFFSET + ciphertextLength;
    const d = this.decipher(packet);
    this.authenticate(d, packet, end, esn, seqHi);
    d.setAuthTag(view(packet, end, end + TAG_LENGTH));
    if (!finalVerifies(d)) return null;
    return packet; // clear text: the plaintext is packet[16, end)
  }
}
