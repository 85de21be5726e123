// What the endpoint needs from the inner side of the tunnel: raw IP packets in batches, and a
// way to hand decrypted packets back. TunDevice is the Linux device; MemoryTun the twin for tests.

export interface TunStats {
  /** Packets read from the device and handed to onPackets. */
  readonly read: number;
  /** Packets the kernel accepted from write/writeBatch. */
  readonly written: number;
  /** Packets write/writeBatch could not hand to the kernel (EIO while down, ENOBUFS, EAGAIN...). */
  readonly writeErrors: number;
  /**
   * Packets routed into the device that never reached onPackets because the handler fell
   * behind (dropped by the device's queue, or by ours in 'drop' mode), or were truncated.
   */
  readonly readDrops: number;
  /** Failed reads; the first fatal one (the interface was deleted) stops reading. */
  readonly readErrors: number;
}

/** Receives the packets of one batch, in arrival order. The Buffers stay valid after the call. */
export type PacketsHandler = (packets: readonly Buffer[]) => void;

export interface TunLike {
  readonly name: string;
  readonly mtu: number;
  /** Sets the handler (replacing any earlier one); reading starts with the first call. */
  onPackets(handler: PacketsHandler): void;
  /** One raw IP packet into the host's stack; false when it was refused (counted). */
  write(packet: Buffer): boolean;
  /** Writes packets in order; returns how many were accepted (the others are counted). */
  writeBatch(packets: readonly Buffer[]): number;
  stats(): TunStats;
  /** Stops reading and releases the device. Idempotent. */
  close(): Promise<void>;
}
