// The two ipsec-ts daemon configs for the tunnel benchmark: manual SAs with AES-GCM-128 (the
// cipher strongSwan uses in the same run), one SA each way, one tunnel-mode policy per side.
// The keys are fresh random bytes per run, written only into the run's own temporary folder.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export interface BenchSide {
  /** 'a' or 'b': the folder name under the run's directory and the SA names. */
  readonly name: 'a' | 'b';
  readonly outer: string;
  readonly inner: string;
  readonly innerNet: string;
}

export interface TunnelKeys {
  /** 20 bytes each: 16 bytes of AES-128 key + 4 bytes of salt (RFC 4106 4). */
  readonly aToB: Buffer;
  readonly bToA: Buffer;
}

export const SPI_A_TO_B = 0x1001;
export const SPI_B_TO_A = 0x2001;
export const TUN_MTU = 1400;

export function freshTunnelKeys(): TunnelKeys {
  return { aToB: randomBytes(20), bToA: randomBytes(20) };
}

export function stateDirOf(runDir: string, side: BenchSide): string {
  return join(runDir, side.name);
}

export function controlSocketOf(runDir: string, side: BenchSide): string {
  return join(runDir, side.name, 'control.sock');
}

function hex(bytes: Buffer): string {
  return `0x${bytes.toString('hex')}`;
}

function spiText(spi: number): string {
  return `0x${spi.toString(16)}`;
}

/** The YAML config of one side (docs/CONFIG.md); `me` sends on a-to-b when it is side a. */
export function daemonConfigYaml(runDir: string, me: BenchSide, peer: BenchSide, keys: TunnelKeys): string {
  const outbound = me.name === 'a' ? { name: 'a-to-b', spi: SPI_A_TO_B, key: keys.aToB } : { name: 'b-to-a', spi: SPI_B_TO_A, key: keys.bToA };
  const inbound = me.name === 'a' ? { name: 'b-to-a', spi: SPI_B_TO_A, key: keys.bToA } : { name: 'a-to-b', spi: SPI_A_TO_B, key: keys.aToB };
  return [
    '# ipsec-ts tunnel benchmark, side ' + me.name + ' (generated; keys are random per run)',
    `listen: { address: ${me.outer}, port: 4500 }`,
    `state_dir: ${stateDirOf(runDir, me)}`,
    `control: { socket: ${controlSocketOf(runDir, me)} }`,
    'log: { level: warn }',
    'nat_keepalive: off',
    `tun: { name: ipsec0, addresses: [${me.inner}/32], mtu: ${TUN_MTU}, routes: [${peer.innerNet}] }`,
    'sas:',
    `  - { name: ${outbound.name}, direction: out, spi: ${spiText(outbound.spi)}, src: ${me.outer}, dst: ${peer.outer},`,
    `      transform: aes128gcm16, enc_key: "${hex(outbound.key)}", reqid: 1 }`,
    `  - { name: ${inbound.name}, direction: in, spi: ${spiText(inbound.spi)}, src: ${peer.outer}, dst: ${me.outer},`,
    `      transform: aes128gcm16, enc_key: "${hex(inbound.key)}", reqid: 1 }`,
    'policies:',
    `  - { name: ${me.name}-${peer.name}, local: ${me.innerNet}, remote: ${peer.innerNet}, action: protect, mode: tunnel,`,
    `      peer: ${peer.outer}, reqid: 1 }`,
    '',
  ].join('\n');
}
