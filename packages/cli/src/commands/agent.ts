import type { Command } from 'commander';
import { AgentClient } from '@podkit/agent/client';
import { isProcessAlive, processIdentity } from '@podkit/runtime';
import { layoutFor, requireHost } from '../context.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';
import { UsageError } from '../errors.js';

/**
 * `podkit agent`: runs the node agent of the state root in the foreground (the CLI starts it
 * on demand otherwise); SIGTERM or Ctrl+C stop it, and pods keep running. `podkit agent stop`
 * stops the running one; `podkit agent status` says whether one runs.
 */
export function registerAgent(program: Command, io: CliIo, _state: CommandState): void {
  const agent = program
    .command('agent')
    .description('run the node agent in the foreground (pods outlive it)')
    .option(
      '--api-port <port>',
      "the Kubernetes API's port on 127.0.0.1 (default: apiPort of <root>/agent.json, else 6443 or a free one when it is taken)",
    )
    .action(async (options: { apiPort?: string }, command: Command) => {
      await requireHost();
      const layout = layoutFor(command, io);
      const apiPort = options.apiPort === undefined ? undefined : Number(options.apiPort);
      if (apiPort !== undefined && (!Number.isInteger(apiPort) || apiPort < 1 || apiPort > 65535))
        throw new UsageError(
          `--api-port must be a port number (1-65535), not ${options.apiPort ?? ''}`,
        );
      const { startAgent } = await import('@podkit/agent');
      const running = await startAgent({
        root: layout.root,
        apiPort,
        log: (line) => io.stderr.write(`${line}\n`),
      });
      // A bug in one pod's supervision must not take every pod's agent down: it is logged
      // with its stack (and the agent goes on); an uncaught exception still ends it.
      const onRejection = (reason: unknown): void => {
        io.stderr.write(
          `${new Date().toISOString()} unhandled rejection (a bug in podkit): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`,
        );
      };
      process.on('unhandledRejection', onRejection);
      process.once('uncaughtException', (err) => {
        io.stderr.write(
          `${new Date().toISOString()} uncaught exception (a bug in podkit), the agent exits; pods keep running: ${err.stack ?? err.message}\n`,
        );
        process.exit(70);
      });
      const source = io.signals ?? process;
      const stop = (): void => {
        void running.stop();
      };
      source.on('SIGINT', stop);
      source.on('SIGTERM', stop);
      try {
        await running.stopped;
      } finally {
        source.off('SIGINT', stop);
        source.off('SIGTERM', stop);
        process.off('unhandledRejection', onRejection);
      }
    });
  agent
    .command('stop')
    .description('stop the running agent; pods keep running')
    .action(async (_options: unknown, command: Command) => {
      const layout = layoutFor(command, io);
      const client = new AgentClient(layout.root);
      if (!(await client.alive())) {
        io.stderr.write(`no podkit agent runs for ${layout.root}\n`);
        return;
      }
      const { pid } = await client.info();
      const agent = await processIdentity(pid);
      await client.call('POST', '/v1/agent/stop');
      // Bounded: the agent lets go of the state root and exits within moments.
      for (let i = 0; i < 400; i++) {
        if (agent === undefined || !(await isProcessAlive(agent))) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      io.stdout.write(`agent (pid ${pid}) stopped; pods keep running\n`);
    });
  agent
    .command('status')
    .description('say whether an agent runs for the state root')
    .action(async (_options: unknown, command: Command) => {
      const layout = layoutFor(command, io);
      const client = new AgentClient(layout.root);
      if (!(await client.alive())) {
        io.stdout.write(`no podkit agent runs for ${layout.root}\n`);
        return;
      }
      const info = await client.info();
      io.stdout.write(
        `podkit agent pid ${info.pid}, serving ${info.root} since ${info.startedAt}\n`,
      );
    });
}
