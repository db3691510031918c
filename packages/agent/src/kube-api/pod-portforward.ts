/**
 * `pods/portforward`, as the API server and the kubelet serve it together for
 * `kubectl port-forward`: the client dials a WebSocket with subprotocol
 * `SPDY/3.1+portforward.k8s.io` (client-go's tunneling dialer) — or, failing that, a plain
 * `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io` — and speaks SPDY/3.1
 * inside it (spdy/). For each local connection it opens two streams with headers
 * `streamtype: error|data`, `port`, `requestid`; they are paired by request id, the pod's port is
 * dialled on localhost inside the pod's network namespace (NodeRuntime.dialPod), the data stream
 * carries the bytes both ways, and a failure is written on the error stream before it closes
 * (the kubelet's wording: `error forwarding port N to pod …`).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import type { PodkitError } from '@podkit/kit';
import type { NodeRuntime } from '@podkit/runtime/node';
import type { SpdyHeaders } from './spdy/header-block.js';
import { headerValue } from './spdy/header-block.js';
import { SpdySession } from './spdy/session.js';
import type { SpdyStream } from './spdy/stream.js';
import { failure, KubeApiError, notFound, refuse } from './status.js';

export type PortForwardRuntime = Pick<NodeRuntime, 'find' | 'dialPod'>;

/** The port-forward protocol (X-Stream-Protocol-Version) and its WebSocket tunnel's name. */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const PORT_FORWARD_TUNNEL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

/** How long the two streams of one request may arrive apart (the kubelet's default). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

/**
 * The WebSocket handshakes of port-forward tunnels (no listener of its own). `ws` refuses the
 * subprotocol `SPDY/3.1+portforward.k8s.io` (a '/' is no token character in RFC 6455's
 * grammar; gorilla/websocket, client-go's, accepts it): the request's header is checked here
 * and removed before `ws` sees it, and the answer's header is added to the 101 below.
 */
const tunnels = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  // kubectl writes each SPDY frame in a few small messages; 1 MiB is far above any of them.
  maxPayload: 1024 * 1024,
});
tunnels.on('headers', (headers: string[]) => {
  headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_TUNNEL}`);
});

function headerList(value: string | string[] | undefined): string[] {
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.flatMap((v) => v.split(',')).map((v) => v.trim());
}

/** The refusal of an upgrade that asks for neither tunnel nor SPDY port-forward. */
function unsupported(): never {
  refuse(
    'BadRequest',
    `podkit serves portforward over WebSocket (subprotocol ${PORT_FORWARD_TUNNEL}) or SPDY/3.1 (X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL})`,
  );
}

/**
 * Upgrades the request and serves port-forward streams until the client goes. Refusals
 * before the upgrade (no pod, a pod not running, an unknown protocol) are KubeApiErrors the
 * router answers as HTTP.
 */
export async function servePortForward(
  rt: PortForwardRuntime,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  namespace: string,
  name: string,
  log: (line: string) => void,
): Promise<void> {
  const record = await rt.find(namespace, name);
  if (record === undefined) throw new KubeApiError(notFound('pods', name));
  if (record.status.phase !== 'Running')
    refuse(
      'BadRequest',
      `unable to forward port because pod is not running. Current status=${record.status.phase}`,
    );
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  let transport: Duplex;
  if (upgrade === 'websocket') {
    if (!headerList(req.headers['sec-websocket-protocol']).includes(PORT_FORWARD_TUNNEL))
      unsupported();
    delete req.headers['sec-websocket-protocol'];
    const ws = await new Promise<WebSocket>((resolve) => {
      tunnels.handleUpgrade(req, socket, head, resolve);
    });
    transport = createWebSocketStream(ws);
  } else if (upgrade.includes('spdy/3.1')) {
    if (!headerList(req.headers['x-stream-protocol-version']).includes(PORT_FORWARD_PROTOCOL))
      throw new KubeApiError(
        failure(
          'Forbidden',
          `unable to upgrade: unable to negotiate protocol: server accepts [${PORT_FORWARD_PROTOCOL}]`,
        ),
      );
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
        `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`,
    );
    if (head.length > 0) socket.unshift(head);
    transport = socket;
  } else unsupported();
  transport.on('error', () => undefined); // the session sees the close

  const where = `${namespace}/${name}`;
  const forwarder = new PortForwarder(rt, { namespace, name, uid: record.uid }, (line) => {
    log(`kube-api: port-forward ${where}: ${line}`);
  });
  const session = new SpdySession(transport, {
    accept: checkStreamHeaders,
    onStream: (stream) => {
      forwarder.add(stream);
    },
    onProtocolError: (err: PodkitError) => {
      log(`kube-api: port-forward ${where}: ${err.message}`);
    },
  });
  await session.closed;
  forwarder.close();
}

/**
 * The kubelet's checks of a new stream (httpStreamReceived): a port in 1–65535 and a stream
 * type of `error` or `data`; a stream failing them is refused.
 */
export function checkStreamHeaders(headers: SpdyHeaders): string | undefined {
  const port = headerValue(headers, 'port');
  if (port === undefined || port === '') return '"port" header is required';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return `unable to parse "${port}" as a port`;
  if (Number(port) < 1) return `port "${port}" must be > 0`;
  const type = headerValue(headers, 'streamtype');
  if (type === undefined || type === '') return '"streamtype" header is required';
  if (type !== 'error' && type !== 'data') return `invalid stream type "${type}"`;
  return undefined;
}

interface Pair {
  readonly requestId: string;
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

/** Pairs one connection's streams by request id and forwards each complete pair. */
class PortForwarder {
  readonly #rt: PortForwardRuntime;
  readonly #pod: PodRef;
  readonly #log: (line: string) => void;
  readonly #pairs = new Map<string, Pair>();

  constructor(rt: PortForwardRuntime, pod: PodRef, log: (line: string) => void) {
    this.#rt = rt;
    this.#pod = pod;
    this.#log = log;
  }

  add(stream: SpdyStream): void {
    stream.on('error', () => undefined); // a reset or a lost connection: 'close' follows
    const type = headerValue(stream.headers, 'streamtype');
    const requestId = this.#requestId(stream, type);
    let pair = this.#pairs.get(requestId);
    if (pair === undefined) {
      const created: Pair = {
        requestId,
        timer: setTimeout(() => {
          this.#pairs.delete(requestId);
          this.#fail(created, `(request=${requestId}) timed out waiting for streams`);
        }, STREAM_CREATION_TIMEOUT_MS),
      };
      pair = created;
      this.#pairs.set(requestId, pair);
    }
    const slot = type === 'error' ? 'error' : 'data';
    if (pair[slot] !== undefined) {
      this.#log(
        `error processing stream for request ${requestId}: ${slot} stream already assigned`,
      );
      pair.error?.write(
        `error processing stream for request ${requestId}: ${slot} stream already assigned`,
      );
      stream.destroy();
      return;
    }
    pair[slot] = stream;
    if (pair.data !== undefined && pair.error !== undefined) {
      clearTimeout(pair.timer);
      this.#pairs.delete(requestId);
      void this.#forward(pair.data, pair.error);
    }
  }

  /** The session is gone: pairs still waiting for a stream are dropped. */
  close(): void {
    for (const pair of this.#pairs.values()) {
      clearTimeout(pair.timer);
      pair.data?.destroy();
      pair.error?.destroy();
    }
    this.#pairs.clear();
  }

  /**
   * The request id header; a client too old to send one gets the kubelet's guess: the error
   * stream's id, which its data stream follows by 2.
   */
  #requestId(stream: SpdyStream, type: string | undefined): string {
    const id = headerValue(stream.headers, 'requestid');
    if (id !== undefined && id !== '') return id;
    return String(type === 'data' ? stream.id - 2 : stream.id);
  }

  #fail(pair: Pair, message: string): void {
    this.#log(message);
    pair.error?.end(message);
    pair.data?.destroy();
  }

  async #forward(data: SpdyStream, error: SpdyStream): Promise<void> {
    // The client sends nothing on the error stream (it closes its side at once): drain it.
    error.resume();
    const port = Number(headerValue(data.headers, 'port'));
    const gone = new AbortController();
    data.once('close', () => {
      gone.abort();
    });
    let conn: Duplex;
    try {
      conn = await this.#rt.dialPod(this.#pod.namespace, this.#pod.name, port, gone.signal);
    } catch (err) {
      const message = `error forwarding port ${port} to pod ${this.#pod.name}_${this.#pod.namespace}, uid ${this.#pod.uid}: ${err instanceof Error ? err.message : String(err)}`;
      this.#log(message);
      error.end(message);
      data.end();
      return;
    }
    if (data.destroyed) {
      conn.destroy();
      error.end();
      return;
    }
    conn.on('error', () => undefined); // its end or close follows
    // Client → pod: the client's FLAG_FIN half-closes the pod connection (pipe's end()).
    data.pipe(conn);
    // Pod → client: the pod's end is the data stream's FLAG_FIN; the error stream closes with
    // it, empty — kubectl waits for it before it closes its local connection.
    conn.pipe(data);
    const done = (): void => {
      error.end();
    };
    conn.once('end', done);
    conn.once('close', () => {
      done();
      if (!data.writableEnded) data.end();
    });
    // A reset from the client, or both sides finished: the pod connection goes too.
    data.once('close', () => {
      conn.destroy();
      done();
    });
  }
}
