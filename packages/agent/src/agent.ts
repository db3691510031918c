import { createServer, type Server } from 'node:http';
import { chmod, rm } from 'node:fs/promises';
import { stateLayout } from '@podkit/runtime';
import { NodeRuntime } from '@podkit/runtime/node';
import { agentSocketPath, type AgentInfo } from './protocol.js';
import { handleApi } from './server/api.js';
import { handleExec } from './server/exec.js';

export interface AgentOptions {
  /** The state root the agent serves (absolute). */
  root: string;
  /** Where its own diagnostics go (default: stderr). */
  log?: ((line: string) => void) | undefined;
  /** Paths a host-image container must not see besides the defaults. */
  hiddenHostPaths?: readonly string[] | undefined;
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
  const runtime = await NodeRuntime.open({
    layout,
    hiddenHostPaths: options.hiddenHostPaths,
    log: (m) => {
      log(`${new Date().toISOString()} ${m}`);
    },
  });
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
      await runtime.close();
      await rm(socket, { force: true });
      log(`${new Date().toISOString()} agent stopped; pods keep running`);
      resolveStopped();
    })());
  const server: Server = createServer((req, res) => {
    void handleApi({ runtime, info, stop: () => void stop() }, req, res);
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
