import { mkdir, open, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { PodkitError, startGroup } from '@podkit/kit';
import { agentLogPath } from '../protocol.js';
import { AgentClient } from './agent-client.js';
import { AgentErrorCode, agentError } from '../errors.js';

/** How long a started agent may take to answer before the CLI gives up (with its log). */
const START_TIMEOUT_MS = 20_000;

/**
 * A client of the agent of `root`, starting the agent first when none answers: `argv` is the
 * command line of `podkit --root ROOT agent` (the CLI knows where its own bin is). The agent
 * runs detached (its own session), logging to `<root>/agent.log`. Two CLIs starting one at
 * once is harmless: the second agent finds the lock taken and exits, both CLIs connect to
 * the first.
 */
export async function ensureAgent(root: string, argv: readonly string[]): Promise<AgentClient> {
  const client = new AgentClient(root);
  if (await client.alive()) return client;
  await mkdir(root, { recursive: true, mode: 0o700 });
  const logFile = agentLogPath(root);
  const log = await open(logFile, 'a', 0o600);
  const logStart = (await log.stat()).size;
  try {
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new Error('no agent command line');
    // The agent never verifies a TLS peer of its own accord, and Node parses
    // NODE_EXTRA_CA_CERTS eagerly at start-up: the agent's pulls read registries.json instead.
    // Its own session and process group (kit's one spawn): the agent outlives this CLI.
    const { child, spawned } = startGroup(cmd, args, {
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, PODKIT_ROOT: root },
    });
    spawned.catch(() => undefined); // an agent that cannot start is seen below (exit, log)
    child.unref();
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (await client.alive()) return client;
      const exited = child.exitCode !== null || child.signalCode !== null;
      if (exited && !(await client.alive())) {
        // Another agent may have won the lock and not be listening yet: wait for it.
        const text = (await readFile(logFile, 'utf8').catch(() => '')).slice(logStart);
        if (!/another podkit agent runs/.test(text)) throw startFailed(root, text);
      }
      if (Date.now() > deadline) {
        const text = (await readFile(logFile, 'utf8').catch(() => '')).slice(logStart);
        throw startFailed(root, text, START_TIMEOUT_MS);
      }
      await sleep(20);
    }
  } finally {
    await log.close();
  }
}

function startFailed(root: string, log: string, waitedMs?: number): PodkitError {
  const tail = log.trimEnd().split('\n').slice(-8).join('\n');
  return agentError(
    AgentErrorCode.AGENT_START_FAILED,
    `the podkit agent of ${root} ${waitedMs === undefined ? 'exited at start' : `did not answer within ${waitedMs / 1000}s`}${tail === '' ? '' : `:\n${tail}`}`,
    { hint: `see ${agentLogPath(root)}; \`podkit agent\` runs it in the foreground` },
  );
}
