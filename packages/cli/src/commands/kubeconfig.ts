import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { agentFor } from '../agent-access.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';
import type { KubeApiAccess } from '../kube/kubeconfig.js';

/** The file `--merge` writes: $KUBECONFIG's first file, else ~/.kube/config (kubectl's rule). */
export function kubeconfigPath(env: Readonly<Record<string, string | undefined>>): string {
  const first = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p !== '');
  return first ?? path.join(env.HOME ?? homedir(), '.kube', 'config');
}

/**
 * `podkit kubeconfig`: prints a kubeconfig for the agent's Kubernetes API (cluster, user and
 * context `podkit`: its address, CA and token); `--merge` adds them to ~/.kube/config instead,
 * leaving the other contexts as they are. The agent gives the facts; this only renders.
 */
export function registerKubeconfig(program: Command, io: CliIo, _state: CommandState): void {
  program
    .command('kubeconfig')
    .description(
      'print a kubeconfig for kubectl (context "podkit"); --merge adds it to ~/.kube/config',
    )
    .option(
      '--merge',
      "add or replace the podkit cluster, user and context in ~/.kube/config (or $KUBECONFIG's first file)",
    )
    .action(async (options: { merge?: boolean }, command: Command) => {
      const client = await agentFor(command, io);
      const access = await client.call<KubeApiAccess>('GET', '/v1/kube-api');
      const { kubeconfigText, mergeKubeconfig } = await import('../kube/kubeconfig.js');
      if (options.merge !== true) {
        io.stdout.write(kubeconfigText(access));
        return;
      }
      const file = kubeconfigPath(io.env);
      const existing = await readFile(file, 'utf8').catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
        throw err;
      });
      const merged = mergeKubeconfig(existing, access);
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      // The token is a credential: the file is 0600 from its first byte, replaced atomically.
      const tmp = `${file}.podkit-${String(process.pid)}.tmp`;
      await writeFile(tmp, merged, { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
      io.stdout.write(
        `context "podkit" (${access.server}) merged into ${file}${/current-context:\s*podkit\b/.test(merged) ? ' and made current' : '; use it with `kubectl config use-context podkit`'}\n`,
      );
    });
}
