import type {
  ContainerPort,
  ExecAction,
  GRPCAction,
  HTTPGetAction,
  TCPSocketAction,
} from '../spec/types.js';

/** One handler of a probe or lifecycle hook; exactly one field is set. */
export interface ProbeAction {
  exec?: ExecAction | undefined;
  httpGet?: HTTPGetAction | undefined;
  tcpSocket?: TCPSocketAction | undefined;
  grpc?: GRPCAction | undefined;
}

/** Where an action runs: the container (exec) and the pod's address (network handlers). */
export interface ProbeTarget {
  /** runc id of the running container (exec). */
  containerId: string;
  /** Default host of httpGet/tcpSocket/grpc: the pod IP, or 127.0.0.1 with hostNetwork. */
  host: string;
  /** The container's ports, for ports given by name. */
  ports: readonly ContainerPort[];
}

/** A probe's outcome; `output` is what kubelet would put in the Unhealthy event. */
export interface ProbeResult {
  ok: boolean;
  output: string;
}

/**
 * Runs one probe/hook action. Implementations never throw for a failing target (that is a
 * result with `ok: false`); `timeoutMs` bounds the attempt (Infinity: no bound).
 */
export interface Prober {
  run(
    action: ProbeAction,
    target: ProbeTarget,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<ProbeResult>;
}

/** kubelet's User-Agent for probes (`kube-probe/<major>.<minor>`). */
export const PROBE_USER_AGENT = 'kube-probe/1.33';
