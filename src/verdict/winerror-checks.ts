// Check phrases the Windows error entries share, so each entry only adds what is specific to it.
import type { Check } from './catalog-types.js';
import { ipsecTs, strongswan, windows } from './catalog-types.js';
import { IKE_LOG } from './cli-hints.js';

/** Any Windows host prints the system's own one-line text for a code. */
export function helpmsg(code: number): Check {
  return windows(`net helpmsg ${code} prints the system's one-line text for this code`);
}

/** Where IKEEXT failures and IPsec driver drops are recorded with their code. */
export const WFP_NETEVENTS: Check = windows(
  'netsh wfp show netevents (or netsh wfp capture start, reproduce, netsh wfp capture stop and open ' +
    'wfpdiag.cab): IKE/AuthIP failures and IPsec driver drops carry the error code as their failure status',
);

/** The audit events for failed negotiations. */
export const IKE_AUDIT: Check = windows(
  'Security log 4653 / 4652 (Main Mode failed), 4654 (Quick Mode failed), 4983 / 4984 (Extended Mode ' +
    'failed) give the failure reason; enable with auditpol /set /subcategory:"IPsec Main Mode" ' +
    '/failure:enable (likewise "IPsec Quick Mode", "IPsec Extended Mode")',
);

/** The Windows VPN client records the code of a failed connection. */
export const RASCLIENT: Check = windows(
  'Windows VPN client: Application log, source RasClient, event 20227 records the error code of a failed connection',
);

/** The proposals Windows offers and accepts. */
export const CRYPTO_SETS: Check = windows(
  'Get-NetIPsecMainModeCryptoSet and Get-NetIPsecQuickModeCryptoSet: the proposals Windows offers and accepts',
);

/** Established SAs as Windows sees them. */
export const WINDOWS_SAS: Check = windows(
  'Get-NetIPsecMainModeSA and Get-NetIPsecQuickModeSA list the established IKE (main mode) and IPsec (quick mode) SAs',
);

/** strongSwan's log of the exchange. */
export const SWAN_LOG: Check = strongswan(
  'swanctl --log (or the charon log with ike=2, cfg=2, knl=2): the exchange, the notify sent or received, and the reason',
);

/** ipsec-ts's view of the same exchange. */
export function ikeLog(what: string): Check {
  return ipsecTs(`${IKE_LOG}: ${what}`);
}

/** For codes that name a Windows-only mechanism: say so rather than invent a counterpart. */
export function windowsOnly(mechanism: string): Check {
  return ipsecTs(`ipsec-ts never reports this code: ${mechanism} exists only in the Windows IKE/AuthIP service`);
}
