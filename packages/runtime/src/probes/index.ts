/** Probes (liveness, readiness, startup) and the handlers lifecycle hooks share with them. */
export { systemClock, virtualClock, type Clock } from './clock.js';
export { createProber, resolvePort } from './prober.js';
export { ProbeWorker, type ProbeKind, type ProbeWorkerOptions } from './probe-worker.js';
export { httpProbe, probeUrl, type HttpProbeRequest } from './http-probe.js';
export { tcpProbe } from './tcp-probe.js';
export { grpcProbe } from './grpc-probe.js';
export { execProbe } from './exec-probe.js';
export {
  PROBE_USER_AGENT,
  type ProbeAction,
  type Prober,
  type ProbeResult,
  type ProbeTarget,
} from './types.js';
