import { access } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { PodkitError } from '@podkit/kit';
import {
  containerLogPath,
  downPod,
  podStarted,
  readPodEvents,
  readPodRecord,
  traceMark,
  upPod,
  waitForPod,
  type ManifestSet,
  type PodPullOptions,
  type PodRecord,
  type StateLayout,
} from '@podkit/runtime';
import {
  layoutFor,
  loadManifest,
  parseDurationFlag,
  podLiveness,
  requireHost,
} from '../context.js';
import { CliErrorCode } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { LogFollower } from '../log-follower.js';
import { PullProgress } from '../pull-progress.js';
import { waitReady } from './wait-ready.js';
import type { CommandState } from '../program.js';
import { takePrelaunched } from '../prelaunch.js';
import { colorsFor, renderDiagnostic, renderSummary, type Colors } from '../render.js';

interface UpOptions {
  file: string;
  detach?: boolean | undefined;
  wait?: boolean | undefined;
  timeout?: string | undefined;
}

const DEFAULT_START_TIMEOUT_MS = 120_000;
const POLL_MS = 100;

/**
 * `podkit up -f FILE [-d]`: validates the file, checks the host, admits and starts each Pod of
 * the file (with the file's ConfigMaps and Secrets). Detached, it waits until every container
 * started and prints the pod IP; in the foreground it streams the containers' logs, prefixed
 * like `docker compose up`, until the pods end, and exits with the main containers' exit code.
 */
export function registerUp(program: Command, io: CliIo, state: CommandState): void {
  program
    .command('up')
    .description('run the pods of a manifest file (foreground: stream their logs)')
    .requiredOption('-f, --file <file>', 'manifest file: Pods with their ConfigMaps and Secrets')
    .option('-d, --detach', 'start the pods in the background; wait until their containers started')
    .option('--wait', 'like -d, but wait until every pod is Ready (fail with the reason)')
    .option('--timeout <duration>', 'how long -d / --wait wait', '2m')
    .action(async (options: UpOptions, command: Command) => {
      traceMark('cli.up');
      const timeoutMs = parseDurationFlag('--timeout', options.timeout) ?? DEFAULT_START_TIMEOUT_MS;
      // The host check runs while the file is read; its verdict counts only for a valid file.
      const host = requireHost();
      host.catch(() => undefined);
      const set = await loadManifest(options.file);
      const c = colorsFor(io);
      if (!reportDiagnostics(set, io, c)) {
        state.exitCode = ExitCode.FAILURE;
        return;
      }
      if (set.pods.length === 0) {
        throw new PodkitError(CliErrorCode.CLI_NO_POD, `${set.file} holds no Pod to run`, {
          hint: 'add a `kind: Pod` document (a Deployment or Job contributes its pod template)',
        });
      }
      traceMark('cli.manifest');
      await host;
      traceMark('cli.preflight');
      const layout = layoutFor(command, io);
      // Images admission pulls show their progress on stderr, as `podman kube play` does.
      const progress = new PullProgress(
        (text) => io.stderr.write(text),
        (io.stderr as { isTTY?: boolean }).isTTY === true,
      );
      const records = await startPods(layout, set, {
        onEvent: (_image, e) => {
          progress.onEvent(e);
        },
      }).finally(() => {
        progress.close();
      });
      state.exitCode =
        options.wait === true
          ? await waitReady(layout, records, timeoutMs, io, c)
          : options.detach === true
            ? await waitStarted(layout, records, timeoutMs, io, c)
            : await runForeground(layout, records, io, c);
    });
}

/** Prints warnings and errors of the manifest; false when it has errors. */
function reportDiagnostics(set: ManifestSet, io: CliIo, c: Colors): boolean {
  for (const d of set.diagnostics) io.stderr.write(`${renderDiagnostic(d, c)}\n`);
  const invalid = set.diagnostics.some((d) => d.severity === 'error');
  if (invalid) io.stderr.write(`${renderSummary(set, c)}\n`);
  return !invalid;
}

/**
 * Starts every pod of the file. Each pod is atomic (admission creates nothing when it fails);
 * when a later pod of the file fails, the ones this command already started are stopped again,
 * so a file comes up whole or not at all.
 */
async function startPods(
  layout: StateLayout,
  set: ManifestSet,
  pull: PodPullOptions,
): Promise<PodRecord[]> {
  const started: PodRecord[] = [];
  try {
    for (const pod of set.pods) {
      // The worker `podkit up` started first thing (main.ts) runs the file's first pod.
      const prelaunched = await takePrelaunched(layout.root);
      started.push(
        await upPod({
          layout,
          pod,
          configMaps: set.configMaps,
          secrets: set.secrets,
          prelaunched,
          pull,
        }),
      );
    }
  } catch (err) {
    for (const r of started) {
      await downPod(layout, r.name, { namespace: r.namespace, force: true }).catch(() => undefined);
    }
    throw err;
  }
  return started;
}

/** Why a pod failed, from its status, its last warning event, or its containers' exits. */
async function failureReason(layout: StateLayout, r: PodRecord): Promise<string | undefined> {
  if (r.status.phase !== 'Failed') return undefined;
  if (r.status.message !== undefined) return r.status.message;
  const warning = (await readPodEvents(layout, r.uid)).filter((e) => e.type === 'Warning').at(-1);
  const exited = [...r.status.initContainerStatuses, ...r.status.containerStatuses]
    .filter((s) => (s.state.terminated?.exitCode ?? 0) !== 0)
    .map((s) => `container ${s.name} exited with code ${s.state.terminated?.exitCode ?? '?'}`);
  if (exited.length > 0) return exited.join('; ');
  return warning?.message ?? r.status.reason ?? 'unknown reason';
}

/** `-d`: waits until every container started (or the pod failed) and prints each pod's IP. */
async function waitStarted(
  layout: StateLayout,
  records: readonly PodRecord[],
  timeoutMs: number,
  io: CliIo,
  c: Colors,
): Promise<number> {
  let code: number = ExitCode.OK;
  for (const rec of records) {
    const r = await waitForPod(layout, rec.uid, podStarted, { timeoutMs, intervalMs: 50 });
    const failure = await failureReason(layout, r);
    if (failure !== undefined) {
      io.stderr.write(`pod/${r.name} ${c.red('failed to start')}: ${failure}\n`);
      io.stderr.write(
        `hint: \`podkit describe ${r.name}\` shows its events; \`podkit down ${r.name}\` removes it\n`,
      );
      code = ExitCode.FAILURE;
    } else if (!podStarted(r)) {
      io.stderr.write(
        `pod/${r.name} ${c.red('did not start')} within ${Math.round(timeoutMs / 1000)}s (phase ${r.status.phase}); it keeps trying\n`,
      );
      io.stderr.write(`hint: \`podkit describe ${r.name}\` shows why\n`);
      code = ExitCode.FAILURE;
    } else {
      traceMark('cli.started');
      io.stdout.write(`pod/${r.name} ${c.green('started')} (IP ${r.status.podIP ?? 'none'})\n`);
    }
  }
  return code;
}

/** docker compose's order of prefix colours. */
function palette(c: Colors): ((s: string) => string)[] {
  return [c.cyan, c.yellow, c.green, c.magenta, c.blue, c.red];
}

/**
 * The foreground: every container's log lines, prefixed with its name in its own colour,
 * until every pod ended (its worker released it). The first Ctrl+C asks each pod's worker to
 * stop gracefully (SIGTERM), a second one forces it (the worker kills at once); the pod record
 * stays (Succeeded/Failed) until `podkit down`.
 */
async function runForeground(
  layout: StateLayout,
  records: readonly PodRecord[],
  io: CliIo,
  c: Colors,
): Promise<number> {
  const many = records.length > 1;
  const keyOf = (pod: string, container: string): string =>
    many ? `${pod}/${container}` : container;
  const keys = records.flatMap((r) =>
    [...r.pod.spec.initContainers, ...r.pod.spec.containers].map((x) => keyOf(r.name, x.name)),
  );
  const width = Math.max(...keys.map((k) => k.length));
  const colours = palette(c);
  const prefix = new Map(
    keys.map((k, i) => [k, (colours[i % colours.length] ?? String)(`${k.padEnd(width)} |`)]),
  );
  const follower = new LogFollower((key, e) => {
    io.stdout.write(`${prefix.get(key) ?? key} ${e.line.toString('utf8')}\n`);
  });

  const source = io.signals ?? process;
  let stopRequests = 0;
  let stopSignal: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    stopRequests++;
    stopSignal ??= sig;
    io.stderr.write(
      stopRequests === 1
        ? 'Gracefully stopping... (press Ctrl+C again to force)\n'
        : 'Forcing stop...\n',
    );
  };
  source.on('SIGINT', onSignal);
  source.on('SIGTERM', onSignal);

  const last = new Map<string, PodRecord>(records.map((r) => [r.uid, r]));
  const ended = new Set<string>();
  const stopsSent = new Map<string, number>();
  try {
    while (ended.size < records.length) {
      for (const rec of records) {
        if (ended.has(rec.uid)) continue;
        const r = await readPodRecord(layout, rec.uid);
        if (r === undefined) {
          // Removed by `podkit down` from elsewhere.
          io.stderr.write(`pod/${rec.name} was removed\n`);
          ended.add(rec.uid);
          continue;
        }
        last.set(r.uid, r);
        for (const x of [...r.pod.spec.initContainers, ...r.pod.spec.containers]) {
          const key = keyOf(r.name, x.name);
          if (follower.has(key)) continue;
          const file = containerLogPath(layout, r.uid, x.name);
          if (await exists(file)) follower.add(key, file);
        }
        if (r.released) {
          ended.add(r.uid);
          continue;
        }
        if ((await podLiveness(r)).workerLost) {
          throw new PodkitError('POD_WORKER_DIED', `the worker of pod ${r.name} died`, {
            hint: '`podkit gc` removes what it left',
          });
        }
        const sent = stopsSent.get(r.uid) ?? 0;
        if (r.worker !== undefined && sent < stopRequests) {
          for (let i = sent; i < stopRequests; i++) {
            try {
              process.kill(r.worker.pid, 'SIGTERM');
            } catch {
              // already gone: the next poll sees it released
            }
          }
          stopsSent.set(r.uid, stopRequests);
        }
      }
      if (ended.size < records.length) await sleep(POLL_MS);
    }
  } finally {
    source.off('SIGINT', onSignal);
    source.off('SIGTERM', onSignal);
    await follower.stop();
  }
  // Like compose, after the last lines: how each container ended.
  for (const r of last.values()) {
    for (const s of r.status.containerStatuses) {
      const t = s.state.terminated;
      if (t !== undefined)
        io.stdout.write(`${keyOf(r.name, s.name)} exited with code ${t.exitCode}\n`);
    }
  }
  if (stopSignal !== undefined) return stopSignal === 'SIGINT' ? 130 : 143;
  return exitCodeOf(layout, [...last.values()], io);
}

/** The first non-zero exit code of a main container (in pod and spec order), else 0. */
async function exitCodeOf(
  layout: StateLayout,
  records: readonly PodRecord[],
  io: CliIo,
): Promise<number> {
  for (const r of records) {
    for (const s of r.status.containerStatuses) {
      const code = s.state.terminated?.exitCode ?? 0;
      if (code !== 0) return code;
    }
    const failure = await failureReason(layout, r);
    if (failure !== undefined) {
      io.stderr.write(`pod/${r.name} failed: ${failure}\n`);
      return ExitCode.FAILURE;
    }
  }
  return ExitCode.OK;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
