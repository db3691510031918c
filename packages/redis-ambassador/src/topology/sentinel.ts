import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff, type BackoffPolicy } from '@podkit/kit';
import { decodeReply, encodeCommand, RespErrorReply, type RespValue } from '../resp/decode.js';
import { ReplyFramer } from '../resp/framer.js';
import { ambassadorError, AmbassadorErrorCode } from '../errors.js';
import { formatEndpoint, type Endpoint } from '../router/address.js';
import { ControlConnection, type PasswordSource } from '../router/control.js';
import { flatMap } from './replication-info.js';
import type { TopologyLog } from './topology.js';

/** What the Sentinels say: the master and the replicas fit for reads. */
export interface SentinelView {
  readonly master: Endpoint;
  readonly replicas: readonly Endpoint[];
}

/**
 * The addresses a host name stands for now (an IP stands for itself). Sentinels behind a
 * headless Kubernetes Service are one name with an address per Ready Sentinel, changing as
 * pods come and go. Rejects (or resolves empty) when the name does not resolve.
 */
export type HostResolver = (host: string) => Promise<readonly string[]>;

/** getaddrinfo, as every other client of the machine resolves (hosts file, search domains). */
export const systemResolver: HostResolver = async (host) => {
  if (net.isIP(host) !== 0) return [host];
  const found = await lookup(host, { all: true });
  return found.map((a) => a.address);
};

export interface SentinelWatchOptions {
  /** Sentinel addresses; a host name stands for every address it resolves to, each poll. */
  readonly sentinels: readonly Endpoint[];
  readonly masterName: string;
  readonly password: PasswordSource | undefined;
  readonly pollMs: number;
  /** Called after every poll and `+switch-master` event, one call at a time. */
  readonly onChange: (view: SentinelView) => Promise<void>;
  readonly log?: TopologyLog | undefined;
  /** How names are resolved (default {@link systemResolver}); injected by tests. */
  readonly resolve?: HostResolver | undefined;
}

/**
 * Follows a master through Redis Sentinel as the Sentinel client guidelines say: ask the
 * Sentinels in turn (`SENTINEL get-master-addr-by-name`, `SENTINEL replicas`), subscribe to
 * `+switch-master` on every Sentinel for prompt news, and poll anyway (a Pub/Sub message can
 * be lost). Replicas flagged s_down/o_down/disconnected or whose link is not ok are left out.
 *
 * A Sentinel given by name is resolved again on every poll and every address it resolves to
 * is a Sentinel of its own (asked in turn, subscribed to): a Kubernetes Service name stays
 * right while its pods are replaced. Addresses that are no longer resolved are dropped.
 */
const SENTINEL_RESUBSCRIBE: BackoffPolicy = { baseMs: 1000, capMs: 10_000 };
/** Start-up: how often the Sentinels are asked again until one knows the master. */
const SENTINEL_FIRST_VIEW: BackoffPolicy = { baseMs: 100, capMs: 2000 };

export class SentinelWatch {
  private readonly opts: SentinelWatchOptions;
  private readonly resolve: HostResolver;
  private readonly stop = new AbortController();
  /** By resolved `ip:port`: the control connection to that Sentinel. */
  private readonly controls = new Map<string, ControlConnection>();
  /** By resolved `ip:port`: the subscription to that Sentinel's +switch-master. */
  private readonly subscribers = new Map<string, net.Socket>();
  /** Per sentinel (`host:port`): the delay before re-subscribing after its connection closed. */
  private readonly resubscribe = new Map<string, Backoff>();
  /** The Sentinel addresses of the last resolution (what is subscribed to). */
  private resolved: Endpoint[] = [];
  private chain: Promise<void> = Promise.resolve();
  /** Set once start() has its first view: from then on, subscriptions follow resolutions. */
  private watching = false;

  constructor(options: SentinelWatchOptions) {
    this.opts = options;
    this.resolve = options.resolve ?? systemResolver;
  }

  /**
   * The first view; starts watching. Until a Sentinel knows the master (the Sentinels' pods
   * may start after the ambassador's, their Service name resolve later) they are asked again,
   * 100 ms doubling to 2 s, logged when the reason changes; rejects only when `signal` aborts
   * (AMBASSADOR_UPSTREAM, saying what the Sentinels answered last).
   */
  async start(signal?: AbortSignal): Promise<SentinelView> {
    const backoff = new Backoff(SENTINEL_FIRST_VIEW);
    let reason = '';
    for (;;) {
      const { view, why } = await this.askWithReason(signal);
      if (view !== undefined) {
        this.watching = true;
        this.syncSubscriptions();
        void this.pollLoop();
        return view;
      }
      if (why !== reason) {
        reason = why;
        this.opts.log?.warn({ sentinels: this.names(), reason }, 'waiting for the Sentinels');
      }
      try {
        await sleep(backoff.next(), undefined, {
          signal: signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal,
        });
      } catch (err) {
        throw ambassadorError(
          AmbassadorErrorCode.AMBASSADOR_UPSTREAM,
          `no sentinel of ${this.names()} knows master "${this.opts.masterName}": ${reason}`,
          { hint: 'check --sentinel addresses and --master-name', cause: err },
        );
      }
    }
  }

  private names(): string {
    return this.opts.sentinels.map(formatEndpoint).join(', ');
  }

  /**
   * Every Sentinel address now: each configured one, a name expanded to the addresses it
   * resolves to (in resolver order, duplicates once). Control connections of addresses no
   * longer resolved are closed. A name that does not resolve contributes nothing this time.
   */
  private async current(): Promise<{ endpoints: Endpoint[]; unresolved: string[] }> {
    const endpoints: Endpoint[] = [];
    const unresolved: string[] = [];
    const seen = new Set<string>();
    const all = await Promise.all(
      this.opts.sentinels.map(async (s) => ({
        s,
        hosts: await this.resolve(s.host).catch(() => [] as readonly string[]),
      })),
    );
    for (const { s, hosts } of all) {
      if (hosts.length === 0) unresolved.push(s.host);
      for (const host of hosts) {
        const ep = { host, port: s.port };
        const key = formatEndpoint(ep);
        if (seen.has(key)) continue;
        seen.add(key);
        endpoints.push(ep);
      }
    }
    for (const [key, c] of this.controls) {
      if (!seen.has(key)) {
        c.close();
        this.controls.delete(key);
      }
    }
    this.resolved = endpoints;
    return { endpoints, unresolved };
  }

  private control(ep: Endpoint): ControlConnection {
    const key = formatEndpoint(ep);
    let c = this.controls.get(key);
    if (c === undefined) {
      c = new ControlConnection(ep, this.opts.password);
      this.controls.set(key, c);
    }
    return c;
  }

  private async ask(signal?: AbortSignal): Promise<SentinelView | undefined> {
    return (await this.askWithReason(signal)).view;
  }

  private async askWithReason(
    signal?: AbortSignal,
  ): Promise<{ view: SentinelView | undefined; why: string }> {
    const { endpoints, unresolved } = await this.current();
    const answers: string[] = unresolved.map((h) => `${h} does not resolve`);
    for (const ep of endpoints) {
      if (this.stopped()) break;
      const c = this.control(ep);
      const timeout = AbortSignal.timeout(1000);
      const sig = AbortSignal.any([this.stop.signal, timeout, ...(signal ? [signal] : [])]);
      try {
        const addr = await c.query(
          ['SENTINEL', 'get-master-addr-by-name', this.opts.masterName],
          sig,
        );
        if (!Array.isArray(addr) || addr.length < 2) {
          answers.push(`${formatEndpoint(ep)} knows no such master`);
          continue;
        }
        const [host, port] = addr;
        if (typeof host !== 'string' || typeof port !== 'string') continue;
        const master = { host, port: Number(port) };
        const reps = await c.query(['SENTINEL', 'replicas', this.opts.masterName], sig);
        return { view: { master, replicas: usableReplicas(reps) }, why: '' };
      } catch {
        answers.push(`${formatEndpoint(ep)} does not answer`);
      }
    }
    return { view: undefined, why: answers.join('; ') || 'no address' };
  }

  private refresh(): void {
    this.chain = this.chain.then(async () => {
      if (this.stopped()) return;
      const view = await this.ask();
      this.syncSubscriptions();
      if (view !== undefined && !this.stopped()) await this.opts.onChange(view);
    });
  }

  private async pollLoop(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        await sleep(this.opts.pollMs, undefined, { signal: this.stop.signal });
      } catch {
        return;
      }
      this.refresh();
      await this.chain;
    }
  }

  /** One subscription per Sentinel address of the last resolution; others are ended. */
  private syncSubscriptions(): void {
    if (!this.watching || this.stopped()) return;
    const want = new Set(this.resolved.map(formatEndpoint));
    for (const [key, sock] of this.subscribers) {
      if (!want.has(key)) {
        this.subscribers.delete(key);
        this.resubscribe.delete(key);
        sock.destroy();
      }
    }
    for (const ep of this.resolved) {
      if (!this.subscribers.has(formatEndpoint(ep))) this.subscribe(ep);
    }
  }

  private subscribe(ep: Endpoint): void {
    if (this.stop.signal.aborted) return;
    const key = formatEndpoint(ep);
    const sock = net.connect({ host: ep.host, port: ep.port });
    this.subscribers.set(key, sock);
    const framer = new ReplyFramer({ streamThreshold: Number.MAX_SAFE_INTEGER });
    sock.write(encodeCommand(['SUBSCRIBE', '+switch-master']));
    sock.on('data', (chunk: Buffer) => {
      this.resubscribeBackoff(ep).reset(); // the sentinel answered: it is up again
      framer.push(chunk);
      for (let ev = framer.next(); ev; ev = framer.next()) {
        if (ev.kind === 'error') {
          sock.destroy();
          return;
        }
        const v: RespValue = decodeReply(ev.bytes);
        // ["message", "+switch-master", "<name> <old-ip> <old-port> <new-ip> <new-port>"]
        if (Array.isArray(v) && v[0] === 'message' && typeof v[2] === 'string') {
          if (v[2].split(' ')[0] === this.opts.masterName) {
            this.opts.log?.info({ sentinel: key, event: v[2] }, '+switch-master');
            this.refresh();
          }
        }
      }
    });
    sock.on('error', () => {
      // 'close' follows
    });
    sock.on('close', () => {
      // Ended on purpose (stopped, or the address is no longer resolved): no retry.
      if (this.subscribers.get(key) !== sock) return;
      if (this.stop.signal.aborted) return;
      setTimeout(() => {
        if (this.subscribers.get(key) !== sock || this.stop.signal.aborted) return;
        this.subscribe(ep);
      }, this.resubscribeBackoff(ep).next()).unref();
    });
  }

  /** 1 s after a sentinel's connection closes, doubling to 10 s while it stays down. */
  private resubscribeBackoff(ep: Endpoint): Backoff {
    const key = formatEndpoint(ep);
    let b = this.resubscribe.get(key);
    if (b === undefined) {
      b = new Backoff(SENTINEL_RESUBSCRIBE);
      this.resubscribe.set(key, b);
    }
    return b;
  }

  private stopped(): boolean {
    return this.stop.signal.aborted;
  }

  close(): void {
    this.stop.abort();
    for (const c of this.controls.values()) c.close();
    this.controls.clear();
    const subs = [...this.subscribers.values()];
    this.subscribers.clear();
    for (const s of subs) s.destroy();
  }
}

const BAD_FLAGS = ['s_down', 'o_down', 'disconnected'];

function usableReplicas(reply: RespValue): Endpoint[] {
  if (!Array.isArray(reply) || reply instanceof RespErrorReply) return [];
  const out: Endpoint[] = [];
  for (const entry of reply) {
    const m = flatMap(entry);
    const flags = (m.get('flags') ?? '').split(',');
    if (flags.some((f) => BAD_FLAGS.includes(f))) continue;
    if (m.get('master-link-status') !== 'ok') continue;
    const port = Number(m.get('port'));
    const ip = m.get('ip');
    if (ip !== undefined && Number.isInteger(port)) out.push({ host: ip, port });
  }
  return out;
}
