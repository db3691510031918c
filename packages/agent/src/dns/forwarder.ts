import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFile, stat } from 'node:fs/promises';
import { connect, isIP, isIPv6 } from 'node:net';
import { FrameReader, encodeFrame } from './tcp-frames.js';
import { HEADER_LENGTH, encodeReply, readHeader, Rcode, type ParsedQuery } from './wire.js';

/** glibc and musl use the first three `nameserver` lines (MAXNS). */
const MAX_UPSTREAMS = 3;

export interface ForwarderOptions {
  /** The resolv.conf whose `nameserver` lines are the upstreams (default `/etc/resolv.conf`). */
  resolvConf?: string | undefined;
  /**
   * The port the upstreams listen on (default 53). resolv.conf has no syntax for a port; tests
   * run their upstream on a free port.
   */
  port?: number | undefined;
  /** How long one upstream may take to answer before the next is asked (default 2000 ms). */
  timeoutMs?: number | undefined;
  /** Where failures are reported (at most one line per 10 s). */
  log?: ((line: string) => void) | undefined;
}

export type Transport = 'udp' | 'tcp';

/**
 * Forwards the queries for names outside the cluster to the host's resolvers, as CoreDNS's
 * `forward . /etc/resolv.conf` does. The agent runs on the host, so every upstream there is
 * reachable, 127.0.0.53 (systemd-resolved) included. Each upstream gets `timeoutMs`, in the
 * file's order; a query that came over TCP, or whose UDP answer was truncated, goes over TCP.
 * When none answers, the reply is SERVFAIL. Nothing waits longer than its bound.
 *
 * @example
 *   const forwarder = new Forwarder({ resolvConf: '/etc/resolv.conf' });
 *   const reply = await forwarder.forward(query, raw, 'udp', AbortSignal.timeout(5000));
 */
export class Forwarder {
  readonly #path: string;
  readonly #port: number;
  readonly #timeoutMs: number;
  readonly #log: (line: string) => void;
  #upstreams: { servers: string[]; mtimeMs: number; checkedAt: number } | undefined;
  #lastLogAt = Number.NEGATIVE_INFINITY;

  constructor(options: ForwarderOptions = {}) {
    this.#path = options.resolvConf ?? '/etc/resolv.conf';
    this.#port = options.port ?? 53;
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#log = options.log ?? (() => undefined);
  }

  /** The upstreams now: resolv.conf is read again when it changed (checked at most once a second). */
  async upstreams(): Promise<string[]> {
    const now = Date.now();
    const cached = this.#upstreams;
    if (cached !== undefined && now - cached.checkedAt < 1000) return cached.servers;
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(this.#path)).mtimeMs;
    } catch {
      this.#upstreams = { servers: [], mtimeMs: -1, checkedAt: now };
      return [];
    }
    if (cached !== undefined && cached.mtimeMs === mtimeMs) {
      cached.checkedAt = now;
      return cached.servers;
    }
    const text = await readFile(this.#path, 'utf8').catch(() => '');
    const servers = parseNameservers(text);
    this.#upstreams = { servers, mtimeMs, checkedAt: now };
    return servers;
  }

  /**
   * The reply to `raw` (the client's query as it came, `query` decoded) from the first
   * upstream that answers, with the client's id; SERVFAIL when none does. Rejects only when
   * `signal` aborts.
   */
  async forward(
    query: ParsedQuery,
    raw: Buffer,
    transport: Transport,
    signal: AbortSignal,
  ): Promise<Buffer> {
    const servers = await this.upstreams();
    // Our own id upstream, so that an answer to someone else's query cannot pass for this one.
    const msg = Buffer.from(raw);
    msg.writeUInt16BE(randomInt(0, 0x10000), 0);
    const failures: string[] = [];
    for (const server of servers) {
      signal.throwIfAborted();
      try {
        let reply = await this.#exchange(server, msg, transport, signal);
        if (transport === 'udp' && readHeader(reply)?.truncated === true) {
          reply = await this.#exchange(server, msg, 'tcp', signal);
        }
        const rcode = readHeader(reply)?.rcode;
        if (rcode === Rcode.SERVFAIL || rcode === Rcode.REFUSED) {
          failures.push(`${server}: rcode ${rcode}`);
          continue;
        }
        reply.writeUInt16BE(query.header.id, 0);
        return reply;
      } catch (err) {
        signal.throwIfAborted();
        failures.push(`${server}: ${describe(err, this.#timeoutMs)}`);
      }
    }
    this.#report(query, servers.length === 0 ? [`no nameserver in ${this.#path}`] : failures);
    return encodeReply(query, { rcode: 'SERVFAIL', authoritative: false });
  }

  #exchange(server: string, msg: Buffer, transport: Transport, signal: AbortSignal) {
    const bounded = AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]);
    return transport === 'udp'
      ? udpExchange(server, this.#port, msg, bounded)
      : tcpExchange(server, this.#port, msg, bounded);
  }

  #report(query: ParsedQuery, failures: string[]): void {
    const now = Date.now();
    if (now - this.#lastLogAt < 10_000) return;
    this.#lastLogAt = now;
    const q = query.question;
    this.#log(`dns: forwarding ${q.name} ${q.type} failed (SERVFAIL): ${failures.join('; ')}`);
  }
}

/** The `nameserver` addresses of a resolv.conf, in order, at most three. */
export function parseNameservers(text: string): string[] {
  const servers: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    const addr = m?.[1];
    // An IPv6 link-local address may carry its interface (`fe80::1%eth0`).
    if (addr !== undefined && isIP(addr.split('%')[0] ?? '') !== 0) servers.push(addr);
  }
  return servers.slice(0, MAX_UPSTREAMS);
}

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer in ${timeoutMs} ms`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Whether `reply` answers `query`: a response with its id and its question (the name compared
 * case-insensitively: upstreams may echo a 0x20-randomised spelling as is).
 */
export function isReplyTo(query: Buffer, reply: Buffer): boolean {
  const header = readHeader(reply);
  if (header?.response !== true || header.id !== query.readUInt16BE(0)) return false;
  const end = questionEnd(query);
  if (end === undefined || reply.length < end) return false;
  for (let i = HEADER_LENGTH; i < end; i++) {
    if (asciiLower(query[i] ?? 0) !== asciiLower(reply[i] ?? 0)) return false;
  }
  return true;
}

/** Where the first question of a query ends (its name is never compressed). */
function questionEnd(msg: Buffer): number | undefined {
  let offset = HEADER_LENGTH;
  for (;;) {
    const len = msg[offset];
    if (len === undefined || (len & 0xc0) !== 0) return undefined;
    offset += 1 + len;
    if (len === 0) break;
  }
  return offset + 4 <= msg.length ? offset + 4 : undefined;
}

function asciiLower(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

/** One query over UDP from a fresh socket (a random source port), its answer or an error. */
function udpExchange(server: string, port: number, msg: Buffer, signal: AbortSignal) {
  return new Promise<Buffer>((resolve, reject) => {
    signal.throwIfAborted();
    const socket = createSocket(isIPv6(server.split('%')[0] ?? '') ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (err: unknown, reply?: Buffer): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.close();
      if (reply === undefined) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(reply);
    };
    const onAbort = (): void => {
      finish(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    // A connected socket takes datagrams from the upstream only, and an ICMP port unreachable
    // comes back as ECONNREFUSED at once instead of a timeout.
    socket.on('error', finish);
    socket.on('message', (reply) => {
      if (isReplyTo(msg, reply)) finish(undefined, reply);
    });
    socket.connect(port, server, () => {
      socket.send(msg);
    });
  });
}

/** One query over TCP on a fresh connection, its answer or an error. */
function tcpExchange(server: string, port: number, msg: Buffer, signal: AbortSignal) {
  return new Promise<Buffer>((resolve, reject) => {
    signal.throwIfAborted();
    const socket = connect({ host: server, port });
    const reader = new FrameReader();
    let settled = false;
    const finish = (err: unknown, reply?: Buffer): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (reply === undefined) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(reply);
    };
    const onAbort = (): void => {
      finish(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', finish);
    socket.on('close', () => {
      finish(new Error('connection closed before an answer'));
    });
    socket.on('data', (chunk) => {
      for (const reply of reader.push(chunk)) if (isReplyTo(msg, reply)) finish(undefined, reply);
    });
    socket.on('connect', () => {
      socket.write(encodeFrame(msg));
    });
  });
}
