import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplyFramer } from '../src/resp/framer.js';
import { decodeReply, encodeCommand, replyText, type RespValue } from '../src/resp/decode.js';
import { flatMap } from '../src/topology/replication-info.js';

/** A redis-server child process on 127.0.0.1, in its own process group and temp dir. */
export interface RedisServer {
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (redis-server's `--port 0` means "no TCP", so ask the OS). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => {
    srv.close(() => {
      resolve();
    });
  });
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** Starts redis-server (optionally as a replica of `replicaOf`) and waits until it answers. */
export async function startRedis(
  options: { replicaOf?: number; args?: string[]; port?: number } = {},
): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'podkit-redis-'));
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort());
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--logfile',
      join(dir, 'redis.log'),
      ...(options.args ?? []),
    ];
    if (options.replicaOf !== undefined)
      args.push('--replicaof', '127.0.0.1', String(options.replicaOf));
    const child = spawn('redis-server', args, { detached: true, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
    });
    try {
      await waitReady(port, child);
    } catch (err) {
      await killGroup(child, exited);
      if (attempt < 3) continue; // the port was taken between freePort() and the bind
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const pid = child.pid ?? 0;
    return {
      port,
      pid,
      dir,
      stop: async () => {
        await killGroup(child, exited);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

async function killGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
  }
}

async function waitReady(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    try {
      const reply = await command(port, ['PING']);
      if (reply === 'PONG') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on ${port} did not become ready`);
}

/** A node: a port on 127.0.0.1, or a host and port (a pod's IP). */
export type NodeAddress = number | { readonly host: string; readonly port: number };

function hostPort(node: NodeAddress): { host: string; port: number } {
  return typeof node === 'number' ? { host: '127.0.0.1', port: node } : node;
}

/** Sends one command on a fresh connection and decodes the reply. */
export async function command(port: NodeAddress, args: (string | Buffer)[]): Promise<RespValue> {
  const [reply] = await exchange(port, encodeCommand(args), 1);
  return decodeReply(reply ?? Buffer.alloc(0));
}

/**
 * Waits until `replicas` replicas have applied every write the master took so far, from any
 * connection. WAIT only waits for the writes of its own connection (a fresh one has none, and
 * WAIT answers at once), so a write and its undo go first on the same connection: when they
 * are acknowledged, so is everything before them. Throws when fewer acknowledge in time.
 */
export async function waitReplicated(
  masterPort: NodeAddress,
  replicas: number,
  timeoutMs = 5000,
): Promise<void> {
  const frames = await exchange(
    masterPort,
    [
      encodeCommand(['SET', 'podkit:replicated', '1']),
      encodeCommand(['DEL', 'podkit:replicated']),
      encodeCommand(['WAIT', String(replicas), String(timeoutMs)]),
    ],
    3,
  );
  const acked = decodeReply(frames[2] ?? Buffer.alloc(0));
  if (typeof acked !== 'number' || acked < replicas)
    throw new Error(
      `only ${JSON.stringify(acked)} of ${replicas} replicas of ${JSON.stringify(masterPort)} acknowledged within ${timeoutMs} ms`,
    );
}

/**
 * {@link command}, sent again on a new connection while the node drops it (up to `timeoutMs`):
 * Sentinel ends every normal client connection of a node it reconfigures (`CLIENT KILL TYPE
 * normal`), so a command that meets a reconfiguration fails with ECONNRESET or no reply.
 */
export async function commandRetrying(
  port: NodeAddress,
  args: (string | Buffer)[],
  timeoutMs = 10_000,
): Promise<RespValue> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const [reply] = await exchange(port, encodeCommand(args), 1);
      if (reply !== undefined) return decodeReply(reply);
      if (Date.now() > deadline)
        throw new Error(`${String(args[0])} on ${JSON.stringify(port)}: connection closed`);
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Writes `bytes` on a fresh connection and collects `replies` reply frames (their raw bytes),
 * or everything until the server closes the connection when `replies` is Infinity.
 */
export function exchange(
  port: NodeAddress,
  bytes: Buffer | Buffer[],
  replies: number,
  pace = false,
): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const at = hostPort(port);
    const sock = net.connect(at.port, at.host);
    const framer = new ReplyFramer();
    const frames: Buffer[] = [];
    let parts: Buffer[] = [];
    let closedTail = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('data', (chunk: Buffer) => {
      closedTail = Buffer.concat([closedTail, chunk]);
      framer.push(chunk);
      for (let ev = framer.next(); ev; ev = framer.next()) {
        if (ev.kind === 'error') {
          reject(new Error(ev.message));
          sock.destroy();
          return;
        }
        parts.push(ev.bytes);
        if (ev.last) {
          frames.push(Buffer.concat(parts));
          parts = [];
        }
      }
      if (frames.length >= replies) {
        sock.destroy();
        resolve(frames);
      }
    });
    sock.on('close', () => {
      resolve(frames);
    });
    const list = Array.isArray(bytes) ? bytes : [bytes];
    if (!pace) {
      for (const b of list) sock.write(b);
      return;
    }
    // One chunk per event-loop turn, Nagle off: the peer sees the stream split at these points.
    sock.setNoDelay(true);
    let i = 0;
    const step = (): void => {
      const b = list[i++];
      if (b === undefined || sock.destroyed) return;
      sock.write(b, () => {
        setTimeout(step, 0);
      });
    };
    step();
  });
}

/** One acknowledged write of a {@link startWriter} loop. */
export interface AckedWrite {
  /** The key's number: the write was `SET w:<i> <i>`. */
  readonly i: number;
  /** Date.now() when it was sent, and when its reply came. */
  readonly sent: number;
  readonly at: number;
}

/** A writer loop's record so far, and how to stop it. */
export interface Writer {
  readonly acked: AckedWrite[];
  /** Date.now() of each refused write (an error reply or a lost connection). */
  readonly refusedAt: number[];
  /** Ends the loop after the write in flight. */
  stop(): Promise<void>;
}

/**
 * Writes `SET w:<i> <i>` one at a time through `client` (e.g. ioredis on the ambassador),
 * pausing `everyMs` between writes, until stopped: the failover test's and bench's load.
 */
export function startWriter(
  client: { set(key: string, value: string): Promise<unknown> },
  everyMs: number,
): Writer {
  const acked: AckedWrite[] = [];
  const refusedAt: number[] = [];
  const state = { running: true };
  const loop = (async () => {
    for (let i = 0; state.running; i++) {
      const sent = Date.now();
      try {
        await client.set(`w:${i}`, String(i));
        acked.push({ i, sent, at: Date.now() });
      } catch {
        refusedAt.push(Date.now());
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    acked,
    refusedAt,
    stop: async () => {
      state.running = false;
      await loop;
    },
  };
}

/** A MONITOR connection: every command the node runs, as MONITOR's lines. */
export interface Monitor {
  /** The lines so far. */
  lines(): string[];
  /**
   * Sends `args` (a command on a key, `args[1]`) to the node through a connection of its own
   * until MONITOR shows that key (up to `timeoutMs`): proof that MONITOR is listening (with a
   * SET, that a client write would be seen).
   */
  probe(args: string[], timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * Watches a node with MONITOR (e.g. a demoted master: a client write that reaches it shows,
 * while writes replicated to it carry the new master's address).
 */
export function monitorNode(port: NodeAddress): Monitor {
  const at = hostPort(port);
  let text = '';
  let closed = false;
  let sock: net.Socket;
  // Sentinel's reconfiguration of the node ends MONITOR connections too (CLIENT KILL TYPE
  // normal): the watch is opened again at once, so what follows is still seen.
  const open = (): void => {
    sock = net.connect(at.port, at.host);
    sock.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      if (!closed) setTimeout(open, 10);
    });
    sock.write('MONITOR\r\n');
  };
  open();
  return {
    lines: () => text.split('\r\n'),
    async probe(args, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await commandRetrying(port, args, timeoutMs).catch(() => undefined);
        if (text.includes(`"${args[1] ?? ''}"`)) return;
        if (Date.now() > deadline)
          throw new Error(`MONITOR on ${JSON.stringify(port)} shows nothing`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => {
      closed = true;
      sock.destroy();
    },
  };
}

/** `INFO <section>` as a key → value map. */
export async function info(port: NodeAddress, section: string): Promise<Map<string, string>> {
  const text = await command(port, ['INFO', section]);
  const map = new Map<string, string>();
  for (const lineText of replyText(text).split('\r\n')) {
    const i = lineText.indexOf(':');
    if (i > 0) map.set(lineText.slice(0, i), lineText.slice(i + 1));
  }
  return map;
}

/** Starts a master and `n` replicas and waits until each is online: link up, and synced as the master sees it. */
export async function startReplicaSet(
  n: number,
  args: string[] = [],
): Promise<{ master: RedisServer; replicas: RedisServer[]; stop(): Promise<void> }> {
  const master = await startRedis({ args });
  const replicas: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all([master, ...replicas].map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < n; i++) replicas.push(await startRedis({ replicaOf: master.port, args }));
    for (const r of replicas) {
      for (let i = 0; ; i++) {
        if ((await info(r.port, 'replication')).get('master_link_status') === 'up') break;
        if (i > 400) throw new Error('replica did not connect');
        await new Promise((res) => setTimeout(res, 25));
      }
    }
    // A replica's link can be up while the master still lists it as syncing (wait_bgsave):
    // wait until the master calls every replica online, as discovery reads it.
    for (let i = 0; ; i++) {
      const m = await info(master.port, 'replication');
      const online = [...m.entries()].filter(
        ([k, v]) => /^slave\d+$/.test(k) && /state=online/.test(v),
      ).length;
      if (online === n) break;
      if (i > 400)
        throw new Error(`the master lists ${String(online)} of ${String(n)} replicas online`);
      await new Promise((res) => setTimeout(res, 25));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { master, replicas, stop };
}

/** A redis-sentinel child process watching `masterName` at `masterPort` (quorum 2). */
export async function startSentinel(
  masterPort: number,
  options: { masterName?: string; downAfterMs?: number } = {},
): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'podkit-sentinel-'));
  const port = await freePort();
  const name = options.masterName ?? 'mymaster';
  const conf = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so it lives in the temp dir.
  await writeFile(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'daemonize no',
      `dir ${dir}`,
      `logfile ${join(dir, 'sentinel.log')}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 2000}`,
      `sentinel failover-timeout ${name} 10000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-sentinel', [conf], { detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    await killGroup(child, exited);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(port, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: child.pid ?? 0, dir, stop };
}

/**
 * Starts `n` Sentinels on the master at `masterPort` and waits until each knows the other
 * Sentinels and `replicas` replicas (a failover needs the quorum to see them). On failure the
 * ones started are stopped; otherwise the caller stops them.
 */
export async function startSentinels(
  masterPort: number,
  n: number,
  replicas: number,
  options: { downAfterMs?: number } = {},
): Promise<RedisServer[]> {
  const sentinels: RedisServer[] = [];
  try {
    for (let i = 0; i < n; i++) sentinels.push(await startSentinel(masterPort, options));
    for (let i = 0; ; i++) {
      const views = await Promise.all(
        sentinels.map(async (s) =>
          flatMap(await command(s.port, ['SENTINEL', 'master', 'mymaster'])),
        ),
      );
      if (
        views.every(
          (v) =>
            v.get('num-other-sentinels') === String(n - 1) &&
            v.get('num-slaves') === String(replicas),
        )
      )
        return sentinels;
      if (i > 300) throw new Error('sentinels did not discover each other');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await Promise.all(sentinels.map((s) => s.stop()));
    throw err;
  }
}
