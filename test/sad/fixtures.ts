// Test SA configurations. The cipher is a plain object typed as EspCipher: the SAD only
// stores it (the real createEspCipher is another module's work).
import type { EspCipher } from '../../src/esp/cipher.js';
import type { KeyMaterial, TransformSpec } from '../../src/esp/transform-spec.js';
import type { SaConfig } from '../../src/sad/sa.js';

export const GCM128: TransformSpec = { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' };

export const FAKE_CIPHER = { spec: GCM128, ivLength: 8, icvLength: 16, alignment: 4, aead: true } as EspCipher;

export const KEYS: KeyMaterial = { encryptionKey: new Uint8Array(20), integrityKey: new Uint8Array(0) };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function saConfig(overrides: Partial<Mutable<SaConfig>> = {}): SaConfig {
  return {
    spi: 0x1000,
    direction: 'inbound',
    src: '192.0.2.1',
    dst: '198.51.100.7',
    mode: 'tunnel',
    encapsulation: null,
    transform: GCM128,
    keys: KEYS,
    cipher: FAKE_CIPHER,
    esn: false,
    replayWindow: 64,
    ...overrides,
  };
}
