import { createServer, type Server } from 'node:http';
import { chmod, rm } from 'node:fs/promises';
import { stateLayout } from '@podkit/runtime';
import { NodeRuntime, loadPodNetwork, rootTag } from '@podkit/runtime/node';
import { loadAgentConfig } from './agent-config.js';
import { startKubeApi, type RunningKubeApi } from './kube-api/server.js';
import { agentSocketPath, type AgentInfo } from './protocol.js';
import { handleApi } from './server/api.js';
import { handleExec } from './server/exec.js';
import { ServiceController } from './services/service-controller.js';
import { WorkloadController } from './workloads/workload-controller.js';

export interface AgentOptions {
  /** The state root the agent serves (absolute). */
  root: string;
  /** Where its own diagnostics go (default: stderr). */
  log?: ((line: string) => void) | undefined;
  /** Paths a host-image container must not see besides the defaults. */
  hiddenHostPaths?: readonly string[] | undefined;
  /** The cluster DNS's port on the pod network's gateway (default 53). */
  dnsPort?: number | undefined;
  /**
   * The Job controller's back-off after a failed pod (default 10 s doubling to 6 min, as
   * kube-controller-manager's); tests that run an agent in-process shorten it. Not a flag.
   */
  jobBackoff?: { baseMs: number; capMs: number } | undefined;
  /**
   * The Kubernetes API's port (`--api-port`; else `apiPort` of `<root>/agent.json`; else 6443,
   * or a free one when 6443 is taken).
   */
  apiPort?: number | undefined;
}

/** The first host address of an IPv4 CIDR (host-local's default gateway). */
function firstHost(cidr: string): string {
  const [base = '0.0.0.0'] = cidr.split('/');
  const n = base.split('.').reduce((acc, part) => acc * 256 + Number(part), 0) + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A running agent; `stopped` settles when it has let go of the state root. */
export interface RunningAgent extends AsyncDisposable {
  readonly info: AgentInfo;
  readonly stopped: Promise<void>;
  /** Stops serving and supervising; every pod keeps running (held by conmon). */
  stop(): Promise<void>;
}

/**
 * The node agent: one process per state root that runs every pod (a NodeRuntime, which first
 * adopts what an earlier agent left) and serves the CLI on `<root>/agent.sock`, a unix socket
 * only root can reach (mode 0600). It does not own the containers: they live under conmon, so
 * stopping or killing the agent stops no container.
 *
 * @example
 *   const agent = await startAgent({ root: '/var/lib/podkit' });
 *   await agent.stopped;
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const layout = stateLayout(options.root);
  const t0 = Date.now();
  const stamped = (m: string): void => {
    log(`${new Date().toISOString()} ${m}`);
  };
  const network = await loadPodNetwork(layout);
  const gateway = network.gateway ?? firstHost(network.subnet);
  // The Service controller is made once the runtime is (it follows the runtime's changes).
  const late: { services?: ServiceController } = {};
  const runtime = await NodeRuntime.open({
    layout,
    hiddenHostPaths: options.hiddenHostPaths,
    log: stamped,
    clusterDns: { nameserver: gateway, domain: 'cluster.local' },
    // A pod stopping gracefully leaves its Services before its containers hear of it.
    beforeStop: async (record) => {
      await late.services?.left(record);
    },
  });
  // Services: the proxy's nftables table and the cluster DNS, kept in step with pods.
  const services = new ServiceController({
    runtime,
    table: `podkit-${rootTag(layout)}`,
    podSubnet: network.subnet,
    gateway,
    dnsPort: options.dnsPort,
    log: stamped,
  });
  late.services = services;
  await services.start();
  // Deployments, ReplicaSets, Jobs, DaemonSets: their pods, created and removed through the runtime.
  const workloads = new WorkloadController({
    runtime,
    log: stamped,
    jobBackoff: options.jobBackoff,
  });
  await workloads.start();
  // The Kubernetes API (kubectl), started beside the agent's socket (a first start makes its
  // keys): a failure to listen is logged, and the agent runs on without it.
  const kubeApi: Promise<RunningKubeApi | Error> = loadAgentConfig(layout.root)
    .then((config) =>
      startKubeApi({
        root: layout.root,
        runtime,
        port: options.apiPort ?? config.apiPort,
        address: config.apiAddress,
        log: stamped,
      }),
    )
    .then(
      (api) => {
        stamped(`Kubernetes API on https://${api.address}:${String(api.port)} (podkit kubeconfig)`);
        return api;
      },
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        stamped(`no Kubernetes API: ${e.message}`);
        return e;
      },
    );
  const info: AgentInfo = {
    pid: process.pid,
    root: layout.root,
    startedAt: new Date().toISOString(),
  };
  const socket = agentSocketPath(layout.root);
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      server.close();
      server.closeAllConnections();
      const api = await kubeApi;
      if (!(api instanceof Error)) await api.close();
      await workloads.close();
      await services.close();
      await runtime.close();
      await rm(socket, { force: true });
      log(`${new Date().toISOString()} agent stopped; pods keep running`);
      resolveStopped();
    })());
  const server: Server = createServer((req, res) => {
    void handleApi(
      {
        runtime,
        workloads,
        info,
        kubeApi: async () => {
          const api = await kubeApi;
          return api instanceof Error ? api : api.access();
        },
        stop: () => void stop(),
      },
      req,
      res,
    );
  });
  server.on('upgrade', (req, sock) => {
    void handleExec(runtime, req, sock);
  });
  // The lock is ours: a socket file left by a dead agent is stale.
  await rm(socket, { force: true });
  // Created with mode 0600 (umask), then made so explicitly: only root may talk to the agent.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  await chmod(socket, 0o600);
  log(
    `${new Date().toISOString()} podkit agent (pid ${process.pid}) serving ${layout.root} on ${socket}; ready in ${Date.now() - t0} ms`,
  );
  return { info, stopped, stop, [Symbol.asyncDispose]: stop };
}
