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

export interface SentinelWatchOptions {
  readonly sentinels: readonly Endpoint[];
  readonly masterName: string;
  readonly password: PasswordSource | undefined;
  readonly pollMs: number;
  /** Called after every poll and `+switch-master` event, one call at a time. */
  readonly onChange: (view: SentinelView) => Promise<void>;
  readonly log?: TopologyLog | undefined;
}

/**
 * Follows a master through Redis Sentinel as the Sentinel client guidelines say: ask the
 * Sentinels in turn (`SENTINEL get-master-addr-by-name`, `SENTINEL replicas`), subscribe to
 * `+switch-master` on every Sentinel for prompt news, and poll anyway (a Pub/Sub message can
 * be lost). Replicas flagged s_down/o_down/disconnected or whose link is not ok are left out.
 */
const SENTINEL_RESUBSCRIBE: BackoffPolicy = { baseMs: 1000, capMs: 10_000 };

export class SentinelWatch {
  private readonly opts: SentinelWatchOptions;
  private readonly stop = new AbortController();
  private readonly controls: ControlConnection[];
  private readonly subscribers = new Set<net.Socket>();
  /** Per sentinel (`host:port`): the delay before re-subscribing after its connection closed. */
  private readonly resubscribe = new Map<string, Backoff>();
  private chain: Promise<void> = Promise.resolve();

  constructor(options: SentinelWatchOptions) {
    this.opts = options;
    this.controls = options.sentinels.map((s) => new ControlConnection(s, options.password));
  }

  /** The first view (throws AMBASSADOR_UPSTREAM when no Sentinel knows the master); starts watching. */
  async start(signal?: AbortSignal): Promise<SentinelView> {
    const view = await this.ask(signal);
    if (view === undefined) {
      throw ambassadorError(
        AmbassadorErrorCode.AMBASSADOR_UPSTREAM,
        `no sentinel of ${this.opts.sentinels.map(formatEndpoint).join(', ')} knows master "${this.opts.masterName}"`,
        { hint: 'check --sentinel addresses and --master-name' },
      );
    }
    for (const s of this.opts.sentinels) this.subscribe(s);
    void this.pollLoop();
    return view;
  }

  private async ask(signal?: AbortSignal): Promise<SentinelView | undefined> {
    for (const c of this.controls) {
      const timeout = AbortSignal.timeout(1000);
      const sig = AbortSignal.any([this.stop.signal, timeout, ...(signal ? [signal] : [])]);
      try {
        const addr = await c.query(
          ['SENTINEL', 'get-master-addr-by-name', this.opts.masterName],
          sig,
        );
        if (!Array.isArray(addr) || addr.length < 2) continue;
        const [host, port] = addr;
        if (typeof host !== 'string' || typeof port !== 'string') continue;
        const master = { host, port: Number(port) };
        const reps = await c.query(['SENTINEL', 'replicas', this.opts.masterName], sig);
        return { master, replicas: usableReplicas(reps) };
      } catch {
        // try the next Sentinel
      }
    }
    return undefined;
  }

  private refresh(): void {
    this.chain = this.chain.then(async () => {
      if (this.stopped()) return;
      const view = await this.ask();
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

  private subscribe(ep: Endpoint): void {
    if (this.stop.signal.aborted) return;
    const sock = net.connect({ host: ep.host, port: ep.port });
    this.subscribers.add(sock);
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
            this.opts.log?.info({ sentinel: formatEndpoint(ep), event: v[2] }, '+switch-master');
            this.refresh();
          }
        }
      }
    });
    sock.on('error', () => {
      // 'close' follows
    });
    sock.on('close', () => {
      this.subscribers.delete(sock);
      if (this.stop.signal.aborted) return;
      setTimeout(() => {
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
    for (const c of this.controls) c.close();
    for (const s of this.subscribers) s.destroy();
    this.subscribers.clear();
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
