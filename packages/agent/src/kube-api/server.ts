/**
 * The Kubernetes API's listener: HTTPS with the state root's server certificate, on 127.0.0.1
 * unless another address is asked for. The port asked for (default 6443): when it is the
 * default and taken, the next ten are tried, then any free one, and the log says which.
 */
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { NodeRuntime } from '@podkit/runtime/node';
import { AgentErrorCode, agentError } from '../errors.js';
import { KubeApiState } from './api-state.js';
import { rememberedPort, rememberPort } from './api-port.js';
import { credentialsDir, ensureCredentials, type ApiCredentials } from './pki.js';
import { route, routeUpgrade, type RouterContext } from './router.js';

export const DEFAULT_API_PORT = 6443;

/**
 * The ports to try in order: the one asked for, alone; else the one served last time, 6443 and
 * the next ten, then any free one (0).
 */
export function apiPortCandidates(
  asked: number | undefined,
  remembered: number | undefined,
): number[] {
  if (asked !== undefined) return [asked];
  return [
    ...new Set([
      ...(remembered === undefined ? [] : [remembered]),
      ...Array.from({ length: 11 }, (_, i) => DEFAULT_API_PORT + i),
    ]),
    0,
  ];
}

export interface KubeApiOptions {
  root: string;
  runtime: NodeRuntime;
  /** undefined: 6443, or another free one when it is taken. */
  port?: number | undefined;
  /** Default 127.0.0.1; anything else only when asked for. */
  address?: string | undefined;
  log: (line: string) => void;
}

/** What `podkit kubeconfig` is given (over the agent's root-only socket). */
export interface KubeApiAccess {
  server: string;
  caPem: string;
  token: string;
}

export interface RunningKubeApi {
  readonly port: number;
  readonly address: string;
  access(): KubeApiAccess;
  close(): Promise<void>;
}

export async function startKubeApi(o: KubeApiOptions): Promise<RunningKubeApi> {
  const address = o.address ?? '127.0.0.1';
  const creds: ApiCredentials = await ensureCredentials(
    o.root,
    address === '127.0.0.1' ? [] : [address],
  );
  const state = await KubeApiState.open(o.runtime, {
    log: o.log,
    namespacesFile: path.join(credentialsDir(o.root), 'namespaces.json'),
  });
  let port = 0;
  const host = (): string => `${address.includes(':') ? `[${address}]` : address}:${String(port)}`;
  const ctx: RouterContext = {
    state,
    runtime: o.runtime,
    token: creds.token,
    serverAddress: host,
    log: o.log,
  };
  const server: Server = createServer(
    { cert: creds.certPem, key: creds.keyPem, minVersion: 'TLSv1.2' },
    (req, res) => {
      void route(ctx, req, res);
    },
  );
  // exec's WebSocket, port-forward's tunnel or SPDY (and the refusal of what is not served, as
  // a Status). Upgraded connections are no longer the server's: they are kept here to be ended
  // with it (a port-forward's bridge processes go with its connection).
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    void routeUpgrade(ctx, req, socket, head);
  });
  // Watches stay open for long: no request timeout (each watch ends itself).
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  // Not asked for a port: the one served last time first (a merged kubeconfig names it).
  const remembered = o.port === undefined ? await rememberedPort(o.root) : undefined;
  const candidates = apiPortCandidates(o.port, remembered);
  let lastError: unknown;
  for (const p of candidates) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(p, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const a = server.address();
      port = typeof a === 'object' && a !== null ? a.port : p;
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
    }
  }
  if (lastError !== undefined) {
    state.close();
    throw agentError(
      AgentErrorCode.KUBE_API_LISTEN_FAILED,
      `the Kubernetes API cannot listen on ${address}:${String(o.port ?? DEFAULT_API_PORT)}: ${lastError instanceof Error ? lastError.message : 'error'}`,
      {
        cause: lastError,
        hint: 'choose another port: `podkit agent --api-port PORT`, or "apiPort" in <root>/agent.json',
      },
    );
  }
  if (o.port === undefined && port !== remembered)
    await rememberPort(o.root, port).catch((err: unknown) => {
      o.log(
        `cannot keep the Kubernetes API's port: ${err instanceof Error ? err.message : 'error'}`,
      );
    });
  if (o.port === undefined && port !== DEFAULT_API_PORT)
    o.log(
      `the Kubernetes API's default port ${String(DEFAULT_API_PORT)} is taken: serving on ${String(port)} instead`,
    );
  return {
    port,
    address,
    access: () => ({ server: `https://${host()}`, caPem: creds.caPem, token: creds.token }),
    close: async () => {
      state.close();
      for (const socket of upgraded) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
