// The public API of ipsec-ts: `import { ... } from 'ipsec-ts'`. This is the one entry point
// (package.json "exports"); everything else is internal and may change.

// Verdicts and the error catalog
export type { Verdict, Delivered, Dropped, DummyDiscarded, IkeHandoff, Keepalive, Diagnosis, CauseId, Evidence, EvidenceValue, SaRef } from './verdict/verdict.js';
export { CAUSE_IDS } from './verdict/verdict.js';
export type { DropKind, DropKindId, Stage, LinuxCounter } from './verdict/drop-kinds.js';
export { DROP_KINDS } from './verdict/drop-kinds.js';
export { lookupExplanation, formatExplanation } from './verdict/explain-lookup.js';
export type { ExplainLookup } from './verdict/explain-lookup.js';
export { WINERROR_CATALOG, winErrorByCode, winErrorByName } from './verdict/winerror-catalog.js';
export { LINUX_COUNTER_CATALOG, linuxCounterByName } from './verdict/linux-counters.js';
export { CAUSE_CATALOG, causeById } from './verdict/cause-catalog.js';

// ESP
export type { TransformSpec, KeyMaterial, EncryptionAlgorithm, IntegrityAlgorithm } from './esp/transform-spec.js';
export type { EspCipher } from './esp/cipher.js';
export { createEspCipher } from './esp/cipher.js';
export { encapsulate } from './esp/encapsulate.js';
export type { EspSealParams } from './esp/encapsulate.js';
export { decapsulate } from './esp/decapsulate.js';
export type { EspOpenResult, EspOpenFailure } from './esp/decapsulate.js';

// Anti-replay, clock, SA database, policies
export { ReplayWindow, REPLAY_DUPLICATE, REPLAY_TOO_OLD, REPLAY_ZERO } from './replay/window.js';
export type { Clock } from './clock/clock.js';
export { ManualClock, SystemClock, systemClock } from './clock/clock.js';
export { TimerWheel } from './clock/timer-wheel.js';
export { SaDatabase } from './sad/sad.js';
export type { SaEvent, SaDatabaseOptions, LarvalReservation } from './sad/sad.js';
export { SecurityAssociation } from './sad/sa.js';
export type { SaConfig, SaState, LifetimeLimits, ExpiryEvidence } from './sad/sa.js';
export type { Tombstone, RemovalReason } from './sad/history.js';
export { SecurityPolicyDatabase } from './spd/spd.js';
export type { Policy, PolicyInit, PolicyAction } from './spd/policy.js';
export type { TrafficSelector, SelectorPair } from './spd/selector.js';
export { parseSelector } from './spd/parse.js';

// The data path
export { createInboundContext, processUdpDatagram, processEsp, processClearText } from './datapath/inbound.js';
export type { InboundContext, InboundMeta, InboundOptions } from './datapath/inbound.js';
export type { ThrottleOptions } from './datapath/throttle.js';
export { processOutbound, sealWithSa } from './datapath/outbound.js';
export type { OutboundContext, OutboundVerdict } from './datapath/outbound.js';
export { DatapathCounters } from './datapath/counters.js';
export type { CounterSnapshot } from './datapath/counters.js';

// Packets, captures and key files
export { packetFields } from './packet/fields.js';
export { classifyUdpEncap } from './packet/udp-encap.js';
export { buildIpv4, parseIpv4 } from './packet/ipv4.js';
export { buildIpv6, parseIpv6 } from './packet/ipv6.js';
export { buildUdp, parseUdp } from './packet/udp.js';
export { openCapture } from './io/capture/reader.js';
export type { CaptureReader, CaptureFrame } from './io/capture/frame.js';
export { CaptureError } from './io/capture/errors.js';
export { PcapWriter, PcapngWriter, frameForLink, timeFromMs } from './io/capture/writer.js';
export { LINKTYPE } from './io/capture/link.js';
export { parseEspSaFile } from './io/keys/esp-sa-file.js';
export type { EspSaEntry, KeyFileError } from './io/keys/esp-sa-file.js';
export { formatEspSaLine, writeEspSaFile } from './io/keys/esp-sa-write.js';

// Offline diagnosis
export { Keyring } from './diagnose/keyring.js';
export { diagnoseCapture } from './diagnose/run.js';
export type { DiagnoseRunOptions } from './diagnose/run.js';
export type { PacketReport } from './diagnose/packet-report.js';
export { packetJson } from './diagnose/report-json.js';

// The live endpoint (library API: send() and the 'delivered' / 'drop' events)
export { IpsecEndpoint } from './endpoint/endpoint.js';
export type { EndpointOptions, EndpointEvents, SendResult } from './endpoint/endpoint.js';
export type { EndpointLog, EndpointPersistence, SequenceGuard } from './endpoint/ports.js';
export type { DropRecord, DropQuery } from './endpoint/drop-record.js';
export { StateStore } from './endpoint/store/state-store.js';
export { StoreError } from './endpoint/store/store-error.js';
export { createLogger } from './endpoint/log/logger.js';
export type { EndpointLogger } from './endpoint/log/logger.js';
export { startDaemon } from './endpoint/daemon.js';
export type { RunningDaemon } from './endpoint/daemon.js';
export { connectControl } from './endpoint/control/client.js';
export type { ControlClient } from './endpoint/control/client.js';
export type { ControlHandlers, SaSummary, SaDetail, PolicySummary, StatsReply, StatusReply } from './endpoint/control/handlers.js';

// Configuration
export { loadConfigFile, parseConfigText, formatConfigIssue } from './config/load.js';
export type { ConfigResult, ConfigIssue } from './config/load.js';
export { parseSaEntry, parsePolicyEntry } from './config/entries.js';
export { transformName, transformByName } from './config/transform-names.js';
export type { DaemonConfig, ManualSaConfig, TunConfig } from './config/types.js';

// IKEv2 (RFC 7296): connections, the manager, and the daemon's runtime around an endpoint
export type { ConnectionConfig, ChildConfig, AuthConfig, IkeSettings, StartAction } from './ike/connection.js';
export { IkeManager } from './ike/manager.js';
export type { IkeManagerOptions, InitiateResult } from './ike/manager.js';
export type { IkeHost, IkeEvent, IkeDatagram, ChildSaInstall, ChildPolicy, UdpAddress } from './ike/ports.js';
export { startIkeRuntime } from './endpoint/ike-runtime.js';
export type { IkeRuntime } from './endpoint/ike-runtime.js';
export { parseProposalText, parseProposalList } from './ike/proposal/parse.js';
export type { ProposalSpec } from './ike/proposal/parse.js';
export { parseIdentity, formatIdentity } from './ike/auth/identity.js';
export type { IkeIdentity } from './ike/auth/identity.js';
export { parseConfiguredSelectors } from './ike/ts/config.js';
export type { ConfiguredSelector } from './ike/ts/config.js';
export { TrustStore, loadTrustStore, loadOwnCredentials } from './ike/auth/certs.js';
export { decodeMessage, encodeMessage } from './ike/message/message.js';
export { describeMessage } from './ike/message/describe.js';
