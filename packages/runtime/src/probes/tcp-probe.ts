import { connect } from 'node:net';
import { formatTimeout } from './deadline.js';
import type { ProbeResult } from './types.js';

/** tcpSocket handler: success when a TCP connection opens within the timeout (then closed). */
export function tcpProbe(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    const finish = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = (): void => {
      finish({ ok: false, output: 'probe aborted' });
    };
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          finish({
            ok: false,
            output: `dial tcp ${host}:${port}: i/o timeout after ${formatTimeout(timeoutMs)}`,
          });
        }, timeoutMs)
      : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      finish({ ok: true, output: '' });
    });
    socket.once('error', (e) => {
      finish({ ok: false, output: `dial tcp ${host}:${port}: ${e.message}` });
    });
  });
}
