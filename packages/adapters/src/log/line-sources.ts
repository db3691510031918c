import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { LineSplitter } from './line-splitter.js';

/**
 * Calls `onLine` for each line of a stream (stdin, a socket) until it ends, the last line
 * even without its newline; honours backpressure (the stream is paused while a line is
 * handled). Lines over 1 MiB go out in pieces (LineSplitter).
 */
export async function readLines(
  input: Readable,
  onLine: (line: string) => Promise<void>,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  const lines = new LineSplitter();
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    for (const line of lines.push(text)) await onLine(line);
  }
  for (const line of lines.push(decoder.end())) await onLine(line);
  const last = lines.end();
  if (last !== undefined) await onLine(last);
}

/**
 * Accepts connections on a Unix socket path or `host:port` and feeds their lines to
 * `onLine` (with `peer` as a label). Returns the listening server; close it to stop.
 */
export async function listenForLines(
  address: { path: string } | { host: string; port: number },
  onLine: (line: string, peer: string) => Promise<void>,
): Promise<{ server: Server; address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const peer =
      socket.remoteAddress === undefined
        ? 'unix'
        : `${socket.remoteAddress}:${socket.remotePort ?? 0}`;
    readLines(socket, (l) => onLine(l, peer)).catch(() => socket.destroy());
  });
  if ('path' in address) server.listen(address.path);
  else server.listen(address.port, address.host);
  await once(server, 'listening');
  const a = server.address();
  const shown = typeof a === 'string' ? a : a === null ? '' : `${a.address}:${a.port}`;
  return {
    server,
    address: shown,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
