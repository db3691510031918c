import type { Runc } from '../runc/runc.js';
import type { ContainerPort } from '../spec/types.js';
import { execProbe } from './exec-probe.js';
import { grpcProbe } from './grpc-probe.js';
import { httpProbe } from './http-probe.js';
import { tcpProbe } from './tcp-probe.js';
import type { ProbeAction, Prober, ProbeResult, ProbeTarget } from './types.js';

/**
 * A port given by number, or by the name of one of the container's ports (kubelet's
 * findPortByName: TCP ports only count). Undefined when no port has that name.
 */
export function resolvePort(
  port: number | string,
  ports: readonly ContainerPort[],
): number | undefined {
  if (typeof port === 'number') return port;
  return ports.find((p) => p.name === port && p.protocol === 'TCP')?.containerPort;
}

/**
 * The real prober: exec through runc, httpGet/tcpSocket/grpc over the network to the pod
 * (the handler's `host` when set, else the target's).
 *
 * @example
 *   const prober = createProber(new Runc({ root }));
 *   await prober.run({ tcpSocket: { port: 80 } }, { containerId, host: podIP, ports: [] }, 1000);
 */
export function createProber(runc: Runc): Prober {
  return {
    async run(
      action: ProbeAction,
      target: ProbeTarget,
      timeoutMs: number,
      signal?: AbortSignal,
    ): Promise<ProbeResult> {
      if (action.exec !== undefined) {
        return execProbe(runc, target.containerId, action.exec, timeoutMs, signal);
      }
      if (action.httpGet !== undefined) {
        const h = action.httpGet;
        const port = resolvePort(h.port, target.ports);
        if (port === undefined)
          return { ok: false, output: `unknown port name "${String(h.port)}"` };
        return httpProbe(
          {
            scheme: h.scheme,
            host: h.host ?? target.host,
            port,
            path: h.path,
            headers: h.httpHeaders,
          },
          timeoutMs,
          signal,
        );
      }
      if (action.tcpSocket !== undefined) {
        const s = action.tcpSocket;
        const port = resolvePort(s.port, target.ports);
        if (port === undefined)
          return { ok: false, output: `unknown port name "${String(s.port)}"` };
        return tcpProbe(s.host ?? target.host, port, timeoutMs, signal);
      }
      if (action.grpc !== undefined) {
        return grpcProbe(target.host, action.grpc.port, action.grpc.service, timeoutMs, signal);
      }
      return Promise.resolve({ ok: false, output: 'no handler' });
    },
  };
}
