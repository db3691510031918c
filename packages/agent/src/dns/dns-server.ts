import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { AgentErrorCode, agentError } from '../errors.js';
import { EMPTY_CLUSTER_VIEW, type ClusterView } from './cluster-view.js';
import { Forwarder, type ForwarderOptions, type Transport } from './forwarder.js';
import { answerQuestion } from './records.js';
import { FrameReader, encodeFrame } from './tcp-frames.js';
import {
  Rcode,
  encodeReply,
  fitUdp,
  headerOnlyReply,
  parseQuery,
  readHeader,
  udpLimit,
} from './wire.js';
import { buildZoneIndex, type ZoneIndex } from './zone-index.js';

export interface ClusterDnsServerOptions {
  /**
   * The address to serve on: the pod network's gateway (e.g. `10.89.0.1`). There is no
   * default — binding every address would take the host's own port 53 (podman #15452).
   */
  host: string;
  /** UDP and TCP port (default 53). With 0, TCP takes the port the kernel gave UDP. */
  port?: number | undefined;
  /** The first view (default: nothing published, every name forwarded). */
  view?: ClusterView | undefined;
  /** Where names outside the cluster go. */
  forwarder?: ForwarderOptions | undefined;
  /** Forwarded queries in flight at once; more are answered REFUSED (default 256). */
  maxForwarded?: number | undefined;
  /** TCP connections at once (default 256). */
  maxConnections?: number | undefined;
  /** A TCP connection with no query for this long is closed (default 10 s). */
  tcpIdleTimeoutMs?: number | undefined;
  /** Diagnostics (default: none). */
  log?: ((line: string) => void) | undefined;
}

/** Queries of one TCP connection answered at once; reading pauses beyond (backpressure). */
const MAX_PIPELINED = 32;

/**
 * The cluster DNS the agent runs for its pods: answers the cluster zone (Services, endpoints,
 * pods) and the reverse zones of the service and pod ranges from the current view, and
 * forwards every other name to the host's resolvers. UDP and TCP on one address and port;
 * a UDP answer over the client's size (512 bytes, or its EDNS0 size up to 1232) comes back
 * truncated (TC) for the client to ask again over TCP. Malformed packets get FORMERR or
 * nothing; no packet stops the server.
 *
 * @example
 *   await using dns = new ClusterDnsServer({ host: '10.89.0.1', view });
 *   await dns.listen();
 *   dns.setView(nextView); // atomically: a query sees the old view or the new one
 */
export class ClusterDnsServer implements AsyncDisposable {
  readonly #host: string;
  #port: number;
  readonly #forwarder: Forwarder;
  readonly #maxForwarded: number;
  readonly #maxConnections: number;
  readonly #idleMs: number;
  readonly #log: (line: string) => void;
  #index: ZoneIndex;
  #serial = 0;
  #forwarding = 0;
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;
  readonly #connections = new Set<Socket>();
  /** Aborts the forwarded queries in flight when the server closes. */
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;

  constructor(options: ClusterDnsServerOptions) {
    this.#host = options.host;
    this.#port = options.port ?? 53;
    this.#log = options.log ?? (() => undefined);
    this.#forwarder = new Forwarder({ log: this.#log, ...options.forwarder });
    this.#maxForwarded = options.maxForwarded ?? 256;
    this.#maxConnections = options.maxConnections ?? 256;
    this.#idleMs = options.tcpIdleTimeoutMs ?? 10_000;
    this.#index = this.#build(options.view ?? EMPTY_CLUSTER_VIEW);
  }

  /**
   * Publishes `view` in place of the current one: indexed now, then swapped in one
   * assignment, so each query is answered wholly from one view. Throws DNS_VIEW_INVALID (and
   * keeps the current view) when the view has a name or address DNS cannot carry.
   */
  setView(view: ClusterView): void {
    this.#index = this.#build(view);
  }

  /** Forwarded queries waiting for an upstream now. */
  get forwardedInFlight(): number {
    return this.#forwarding;
  }

  /** Where it listens (the port the kernel chose when 0 was given). */
  address(): { host: string; port: number } {
    return { host: this.#host, port: this.#port };
  }

  /**
   * Binds UDP, then TCP, on the address. Throws DNS_LISTEN_FAILED (nothing left bound) when
   * either cannot: the port is taken, the address is not on this machine, or no right to it.
   */
  async listen(): Promise<void> {
    if (this.#udp !== undefined || this.#closed !== undefined) {
      throw new Error('ClusterDnsServer.listen: already listening or closed');
    }
    const udp = createSocket({ type: isIPv6(this.#host) ? 'udp6' : 'udp4' });
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(this.#port, this.#host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
    } catch (cause) {
      udp.close();
      throw listenError(this.#host, this.#port, 'UDP', cause);
    }
    this.#port = udp.address().port;
    // Half-open: a client may send its queries and shut its side; it still gets the answers.
    const tcp = createServer({ allowHalfOpen: true }, (socket) => {
      this.#serveTcp(socket);
    });
    tcp.maxConnections = this.#maxConnections;
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ port: this.#port, host: this.#host, exclusive: true }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (cause) {
      udp.close();
      throw listenError(this.#host, this.#port, 'TCP', cause);
    }
    udp.on('error', (err) => {
      this.#log(`dns: UDP socket error: ${err.message}`);
    });
    udp.on('message', (msg, rinfo) => {
      void this.#serveUdp(msg, rinfo);
    });
    tcp.on('error', (err) => {
      this.#log(`dns: TCP server error: ${err.message}`);
    });
    this.#udp = udp;
    this.#tcp = tcp;
  }

  /** Stops serving: sockets closed, connections dropped, forwarded queries abandoned. */
  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      this.#closing.abort(new Error('the cluster DNS server closed'));
      const udp = this.#udp;
      const tcp = this.#tcp;
      for (const socket of this.#connections) socket.destroy();
      await Promise.all([
        udp &&
          new Promise<void>((resolve) =>
            udp.close(() => {
              resolve();
            }),
          ),
        tcp &&
          new Promise<void>((resolve) =>
            tcp.close(() => {
              resolve();
            }),
          ),
      ]);
    })());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #build(view: ClusterView): ZoneIndex {
    // The SOA serial goes up with every view, as a zone's must when it changes.
    const serial = Math.max(this.#serial + 1, Math.floor(Date.now() / 1000)) >>> 0;
    const index = buildZoneIndex(view, serial);
    this.#serial = serial;
    return index;
  }

  /** The reply to one message, or undefined when none is due (or the server closed). */
  async #answer(raw: Buffer, transport: Transport): Promise<Buffer | undefined> {
    const query = parseQuery(raw);
    if ('reply' in query) return query.reply;
    try {
      // One read of the index: the whole answer comes from the view current now.
      const zone = answerQuestion(this.#index, query.question);
      let reply: Buffer;
      if (zone !== undefined) {
        reply = encodeReply(query, { ...zone, authoritative: true });
      } else if (this.#forwarding >= this.#maxForwarded) {
        // As CoreDNS's forward max_concurrent: refuse at once rather than queue without bound.
        reply = encodeReply(query, { rcode: 'REFUSED', authoritative: false });
      } else {
        this.#forwarding++;
        try {
          reply = await this.#forwarder.forward(query, raw, transport, this.#closing.signal);
        } finally {
          this.#forwarding--;
        }
      }
      return transport === 'udp' ? fitUdp(query, reply, udpLimit(query)) : reply;
    } catch (err) {
      if (this.#closing.signal.aborted) return undefined;
      this.#log(`dns: ${query.question.name} ${query.question.type}: ${String(err)}`);
      return headerOnlyReply(query.header, Rcode.SERVFAIL);
    }
  }

  async #serveUdp(msg: Buffer, rinfo: RemoteInfo): Promise<void> {
    const reply = await this.#answer(msg, 'udp');
    if (reply === undefined || this.#closed !== undefined) return;
    this.#udp?.send(reply, rinfo.port, rinfo.address);
  }

  #serveTcp(socket: Socket): void {
    if (this.#closed !== undefined) {
      socket.destroy();
      return;
    }
    this.#connections.add(socket);
    const reader = new FrameReader();
    let pending = 0;
    let writeBlocked = false;
    let clientDone = false;
    const resumeIfIdle = (): void => {
      if (!writeBlocked && pending < MAX_PIPELINED) socket.resume();
    };
    socket.setNoDelay(true);
    socket.setTimeout(this.#idleMs, () => {
      // Idle: no byte either way for the whole timeout, and no answer being prepared.
      if (pending === 0) socket.destroy();
    });
    socket.on('error', () => {
      // A reset by the client: 'close' follows.
    });
    socket.on('close', () => {
      this.#connections.delete(socket);
    });
    socket.on('end', () => {
      clientDone = true;
      if (pending === 0) socket.end();
    });
    socket.on('drain', () => {
      writeBlocked = false;
      resumeIfIdle();
    });
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        if (readHeader(frame) === undefined) {
          // Shorter than a header: not a DNS client, and the stream cannot be trusted further.
          socket.destroy();
          return;
        }
        pending++;
        if (pending >= MAX_PIPELINED) socket.pause();
        void this.#answer(frame, 'tcp').then((reply) => {
          pending--;
          if (reply !== undefined && !socket.destroyed) {
            if (!socket.write(encodeFrame(reply))) {
              writeBlocked = true;
              socket.pause();
            }
          }
          if (clientDone && pending === 0) {
            if (!socket.destroyed) socket.end();
          } else resumeIfIdle();
        });
      }
    });
  }
}

function listenError(host: string, port: number, proto: string, cause: unknown) {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
  const hints: Record<string, string> = {
    EADDRINUSE: `something already serves ${proto} port ${port} on ${host} (dnsmasq, systemd-resolved, an earlier agent): stop it, or serve another address`,
    EADDRNOTAVAIL: `${host} is not an address of this machine: is the pod network's bridge up?`,
    EACCES: `ports below 1024 need root (or CAP_NET_BIND_SERVICE)`,
  };
  return agentError(
    AgentErrorCode.DNS_LISTEN_FAILED,
    `the cluster DNS cannot listen on ${host}:${port}/${proto.toLowerCase()}: ${code}`,
    { cause, hint: hints[code] ?? 'check the address and port given to the DNS server' },
  );
}
