import net from 'node:net';
import { ReplyFramer } from '../resp/framer.js';
import { decodeReply, encodeCommand, type RespValue } from '../resp/decode.js';
import { ambassadorError } from '../errors.js';
import { formatEndpoint, type Endpoint } from './address.js';

/**
 * Sends one command to a node on a short-lived connection and decodes the reply: the
 * ambassador's own control traffic (COMMAND at start-up; later ROLE, INFO). Rejects with
 * AMBASSADOR_UPSTREAM when the node cannot be reached or `signal` aborts.
 */
export function queryNode(
  endpoint: Endpoint,
  args: readonly string[],
  signal: AbortSignal,
): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const where = formatEndpoint(endpoint);
    const sock = net.connect({ host: endpoint.host, port: endpoint.port });
    const framer = new ReplyFramer({ streamThreshold: Number.MAX_SAFE_INTEGER });
    const fail = (cause: unknown): void => {
      sock.destroy();
      reject(
        ambassadorError('AMBASSADOR_UPSTREAM', `${where}: ${args[0] ?? ''} failed`, { cause }),
      );
    };
    const onAbort = (): void => {
      fail(signal.reason);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    sock.on('error', fail);
    sock.on('close', () => {
      signal.removeEventListener('abort', onAbort);
      fail(new Error('connection closed before the reply'));
    });
    sock.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      const ev = framer.next();
      if (ev === undefined) return;
      signal.removeEventListener('abort', onAbort);
      sock.removeAllListeners('close');
      sock.destroy();
      if (ev.kind === 'error') fail(new Error(ev.message));
      else resolve(decodeReply(ev.bytes));
    });
    sock.write(encodeCommand(args));
  });
}
