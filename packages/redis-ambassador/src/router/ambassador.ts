import net from 'node:net';
import { once } from 'node:events';
import { CommandTable, parseCommandInfo } from '../commands/classify.js';
import { BUILTIN_COMMANDS } from '../commands/builtin-table.js';
import type { FramerLimits } from '../resp/framer.js';
import { parseEndpoint, type Endpoint } from './address.js';
import { queryNode, type PasswordSource } from './control.js';
import { createBalancer, type Balance } from './replica-balancer.js';
import { ClientSession, type ReadFrom, type RouterContext } from './session.js';
import { ambassadorError, AmbassadorErrorCode } from '../errors.js';
import type { RouterMetrics, TopologyMetrics } from '../metrics.js';
import { Topology, type TopologyLog, type TopologyMode } from '../topology/topology.js';

/** Options of {@link createAmbassador}. Addresses are `HOST:PORT` strings or endpoints. */
export interface AmbassadorOptions {
  /** Where clients connect; port 0 picks a free port. Default 127.0.0.1:6379. */
  readonly listen?: string | Endpoint | undefined;
  /** The master (static and discover modes). */
  readonly master?: string | Endpoint | undefined;
  readonly replicas?: readonly (string | Endpoint)[] | undefined;
  /** Sentinel mode: Sentinel addresses and the master's name there. */
  readonly sentinels?: readonly (string | Endpoint)[] | undefined;
  readonly masterName?: string | undefined;
  /**
   * `static`: the given master and replicas; `discover`: plus the master's online replicas
   * from `INFO replication`; `sentinel`: follow the Sentinels. Default: `sentinel` when
   * sentinels are given, else `discover` when no replica is given, else `static`.
   */
  readonly mode?: TopologyMode | undefined;
  /** Default `prefer-replica`. */
  readonly readFrom?: ReadFrom | undefined;
  /** Default true: a client's reads never see data older than its own writes. */
  readonly readYourWrites?: boolean | undefined;
  /** How reads are spread over the replicas; default `round-robin`. */
  readonly balance?: Balance | undefined;
  /** Read weights by replica `host:port` (as formatEndpoint writes it); default 1, 0 = no reads. */
  readonly replicaWeights?: ReadonlyMap<string, number> | undefined;
  /** The backend password, read again for every new backend connection. */
  readonly password?: PasswordSource | undefined;
  readonly healthIntervalMs?: number | undefined;
  readonly healthTimeoutMs?: number | undefined;
  readonly sentinelPollMs?: number | undefined;
  readonly metrics?: (RouterMetrics & TopologyMetrics) | undefined;
  readonly log?: TopologyLog | undefined;
  /** Routing table source: the master's COMMAND reply (default) or the built-in 7.0 table. */
  readonly commands?: 'server' | 'builtin' | undefined;
  readonly limits?: FramerLimits | undefined;
  /** Aborting closes the ambassador. */
  readonly signal?: AbortSignal | undefined;
}

/** A running ambassador. `await using amb = await createAmbassador(…)` closes it at scope end. */
export interface Ambassador extends AsyncDisposable {
  /** The bound listen address. */
  readonly address: Endpoint;
  /** Where the routing table came from. */
  readonly commandSource: 'server' | 'builtin';
  /** The current nodes (changes on failover). */
  readonly topology: Topology;
  /** Whether the master answered its last health check. */
  readonly ready: boolean;
  /** Stops listening and closes every client and backend connection. */
  close(): Promise<void>;
}

/**
 * Starts a Redis ambassador: clients connect to `listen` as to one Redis; writes go to the
 * master, reads to the replicas (round robin, master when none is up), replies return in
 * request order.
 *
 * @example
 *   await using amb = await createAmbassador({
 *     listen: '127.0.0.1:0', master: '127.0.0.1:7000', replicas: ['127.0.0.1:7001'],
 *   });
 *   console.log(amb.address.port);
 */
export async function createAmbassador(options: AmbassadorOptions): Promise<Ambassador> {
  const ep = (v: string | Endpoint, what: string): Endpoint =>
    typeof v === 'string' ? parseEndpoint(v, what) : v;
  const listen = ep(options.listen ?? '127.0.0.1:6379', 'listen');
  const replicas = (options.replicas ?? []).map((r) => ep(r, 'replica'));
  const sentinels = (options.sentinels ?? []).map((r) => ep(r, 'sentinel'));
  const mode: TopologyMode =
    options.mode ??
    (sentinels.length > 0 ? 'sentinel' : replicas.length === 0 ? 'discover' : 'static');
  if (mode === 'sentinel' && (sentinels.length === 0 || options.masterName === undefined)) {
    throw ambassadorError(
      AmbassadorErrorCode.AMBASSADOR_CONFIG,
      'sentinel mode needs sentinels and a master name',
    );
  }
  if (mode !== 'sentinel' && options.master === undefined) {
    throw ambassadorError(
      AmbassadorErrorCode.AMBASSADOR_CONFIG,
      'a master address (or sentinels) is required',
    );
  }
  const readFrom: ReadFrom = options.readFrom ?? 'prefer-replica';
  const limits = options.limits ?? {};
  const signal = options.signal;
  if (signal?.aborted)
    throw ambassadorError(AmbassadorErrorCode.AMBASSADOR_CONFIG, 'aborted before start', {
      cause: signal.reason,
    });

  const topology = new Topology({
    mode,
    master: options.master === undefined ? undefined : ep(options.master, 'master'),
    replicas,
    sentinels,
    masterName: options.masterName,
    password: options.password,
    limits,
    healthIntervalMs: options.healthIntervalMs,
    healthTimeoutMs: options.healthTimeoutMs,
    sentinelPollMs: options.sentinelPollMs,
    metrics: options.metrics,
    log: options.log,
    replicaWeights: options.replicaWeights,
  });
  try {
    await topology.start(signal);
  } catch (err) {
    topology.close();
    throw err;
  }
  const master = topology.master.endpoint;

  let table = new CommandTable(BUILTIN_COMMANDS);
  let commandSource: 'server' | 'builtin' = 'builtin';
  if (options.commands !== 'builtin') {
    try {
      const timeout = AbortSignal.timeout(3000);
      const reply = await queryNode(
        master,
        ['COMMAND'],
        signal ? AbortSignal.any([signal, timeout]) : timeout,
        options.password,
      );
      const specs = parseCommandInfo(reply);
      if (specs.length > 0) {
        table = new CommandTable(specs);
        commandSource = 'server';
      }
    } catch {
      // Master unreachable or COMMAND refused (ACL): the built-in table is the fallback.
    }
  }

  const ctx: RouterContext = {
    table,
    nodes: topology,
    readFrom,
    readYourWrites: options.readYourWrites ?? true,
    balancer: createBalancer(options.balance ?? 'round-robin'),
    limits,
    metrics: options.metrics,
  };
  const sessions = new Set<ClientSession>();
  // Half-open: a client that sends its requests and then FIN still gets every reply.
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    const session = new ClientSession(sock, ctx, (s) => sessions.delete(s));
    sessions.add(session);
  });
  server.listen({ host: listen.host, port: listen.port });
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([err]: unknown[]) => {
        throw ambassadorError(
          AmbassadorErrorCode.AMBASSADOR_CONFIG,
          `cannot listen on ${listen.host}:${listen.port}`,
          { cause: err },
        );
      }),
    ]);
  } catch (err) {
    topology.close();
    throw err;
  }
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('unexpected server address');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      signal?.removeEventListener('abort', onAbort);
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      for (const s of sessions) s.destroy();
      topology.close();
      await closed;
    })();
    return closing;
  };
  const onAbort = (): void => {
    void close();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  return {
    address: { host: addr.address, port: addr.port },
    commandSource,
    topology,
    get ready() {
      return topology.ready;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
