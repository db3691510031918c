import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import type { StatsdStore } from './statsd-store.js';

export interface StatsdServer extends AsyncDisposable {
  readonly udp: { host: string; port: number };
  readonly tcp: { host: string; port: number };
  close(): Promise<void>;
}

/**
 * Listens for StatsD lines on UDP (one or more lines per datagram) and TCP (newline-framed,
 * a line is handled only once complete) on `host`; port 0 picks free ports (UDP and TCP
 * may then differ). Lines go to `store.ingest`.
 */
export async function startStatsdServer(
  store: StatsdStore,
  options: { host: string; udpPort: number; tcpPort: number; maxLineBytes?: number },
): Promise<StatsdServer> {
  const maxLine = options.maxLineBytes ?? 64 * 1024;
  const udp = createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
  udp.on('message', (msg) => {
    store.ingest(msg.toString('utf8'));
  });
  udp.bind(options.udpPort, options.host);
  await once(udp, 'listening');

  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    sockets.add(socket);
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      const nl = pending.lastIndexOf('\n');
      if (nl >= 0) {
        store.ingest(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
      // A line longer than the bound is a broken or hostile client: drop the connection.
      if (pending.length > maxLine) socket.destroy();
    });
    socket.on('end', () => {
      if (pending !== '') store.ingest(pending);
      pending = '';
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  tcp.listen(options.tcpPort, options.host);
  await once(tcp, 'listening');

  const u = udp.address();
  const t = tcp.address() as { address: string; port: number };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((resolve) => {
          udp.close(() => {
            resolve();
          });
        }),
        new Promise<void>((resolve) => {
          tcp.close(() => {
            resolve();
          });
        }),
      ]);
    })();
    return closing;
  };
  return {
    udp: { host: u.address, port: u.port },
    tcp: { host: t.address, port: t.port },
    close,
    [Symbol.asyncDispose]: close,
  };
}
