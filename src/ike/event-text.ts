// Words for IKE events that logs and the CLI both print.
/** Why a CHILD_SA is being re-created, in words (the trigger of an invalid-spi-recovery event). */
export function recoveryText(trigger: 'invalid-spi' | 'own-sa-lost' | 'child-sa-not-found', spiIn: string, spiOut: string): string {
  switch (trigger) {
    case 'invalid-spi': return `the peer reported INVALID_SPI for our outbound SA ${spiOut} (it lost that SA): re-creating the CHILD_SA`;
    case 'own-sa-lost': return `our inbound SA ${spiIn} was removed here while the peer still sends on it: rekeying the CHILD_SA`;
    case 'child-sa-not-found': return `the peer answered our rekey with CHILD_SA_NOT_FOUND (it lost the SA without telling us): re-creating the CHILD_SA`;
  }
}
