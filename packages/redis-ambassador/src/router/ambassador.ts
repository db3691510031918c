import net from 'node:net';
import { once } from 'node:events';
import { CommandTable, parseCommandInfo } from '../commands/classify.js';
import { BUILTIN_COMMANDS } from '../commands/builtin-table.js';
import type { FramerLimits } from '../resp/framer.js';
import { parseEndpoint, type Endpoint } from './address.js';
import { queryNode } from './control.js';
import { NodePool } from './node-pool.js';
import { ClientSession, type ReadFrom, type RouterContext } from './session.js';
import { ambassadorError } from '../errors.js';

/** Options of {@link createAmbassador}. Addresses are `HOST:PORT` strings or endpoints. */
export interface AmbassadorOptions {
  /** Where clients connect; port 0 picks a free port. Default 127.0.0.1:6379. */
  readonly listen?: string | Endpoint | undefined;
  readonly master: string | Endpoint;
  readonly replicas?: readonly (string | Endpoint)[] | undefined;
  /** Default `replica` when replicas are given, else `master`. */
  readonly readFrom?: ReadFrom | undefined;
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
  const master = ep(options.master, 'master');
  const replicas = (options.replicas ?? []).map((r) => ep(r, 'replica'));
  const readFrom: ReadFrom = options.readFrom ?? (replicas.length > 0 ? 'replica' : 'master');
  const limits = options.limits ?? {};
  const signal = options.signal;
  if (signal?.aborted)
    throw ambassadorError('AMBASSADOR_CONFIG', 'aborted before start', { cause: signal.reason });

  let table = new CommandTable(BUILTIN_COMMANDS);
  let commandSource: 'server' | 'builtin' = 'builtin';
  if (options.commands !== 'builtin') {
    try {
      const timeout = AbortSignal.timeout(3000);
      const reply = await queryNode(
        master,
        ['COMMAND'],
        signal ? AbortSignal.any([signal, timeout]) : timeout,
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
    master: new NodePool(master, 'master', { limits }),
    replicas: replicas.map((r) => new NodePool(r, 'replica', { limits })),
    readFrom,
    limits,
    rr: 0,
  };
  const sessions = new Set<ClientSession>();
  const server = net.createServer((sock) => {
    const session = new ClientSession(sock, ctx, (s) => sessions.delete(s));
    sessions.add(session);
  });
  server.listen({ host: listen.host, port: listen.port });
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([err]: unknown[]) => {
      throw ambassadorError('AMBASSADOR_CONFIG', `cannot listen on ${listen.host}:${listen.port}`, {
        cause: err,
      });
    }),
  ]);
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
      ctx.master.closeAll();
      for (const r of ctx.replicas) r.closeAll();
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
    close,
    [Symbol.asyncDispose]: close,
  };
}
