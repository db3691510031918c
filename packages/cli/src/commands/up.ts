import { StringDecoder } from 'node:string_decoder';
import type { Command } from 'commander';
import { PodkitError } from '@podkit/kit';
import {
  AgentClient,
  AgentErrorCode,
  manifestVerdict,
  type AppliedService,
  type ApplyResult,
  type ManifestVerdict,
} from '@podkit/agent/client';
import { podStarted, traceMark, type PodRecord } from '@podkit/runtime';
import { layoutFor, manifestNamespace, parseDurationFlag, requireHost } from '../context.js';
import {
  agentFor,
  applyManifest,
  podEvents,
  stopPod,
  waitForPod,
  watchPods,
} from '../agent-access.js';
import { CliErrorCode, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { readManifestFiles, type ManifestText } from '../manifest-files.js';
import { PullProgress } from '../pull-progress.js';
import { waitReady } from './wait-ready.js';
import { waitWorkloads } from './wait-workloads.js';
import { workloadSize } from './workload-text.js';
import type { CommandState } from '../program.js';
import { colorsFor, renderDiagnostic, renderInvalidSummary, type Colors } from '../render.js';

interface UpOptions {
  /** Absent when no -f was given. */
  file?: string[] | undefined;
  recursive?: boolean | undefined;
  detach?: boolean | undefined;
  wait?: boolean | undefined;
  timeout?: string | undefined;
}

const DEFAULT_START_TIMEOUT_MS = 120_000;

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/**
 * `podkit up -f FILE|DIR [-f …] [-d]`: sends the files' text to the agent (a directory: its
 * manifest files, see manifest-files.ts), which validates every file (their diagnostics are
 * printed here) and, when all are valid, applies them as one set: claims, Services, ConfigMaps
 * and Secrets, workloads, then each Pod — an error in any file applies nothing. Detached, it waits until every container
 * started and prints the pod IP; in the foreground it streams the containers' logs, prefixed
 * like `docker compose up`, until the pods end, and exits with the main containers' exit code.
 */
export function registerUp(program: Command, io: CliIo, state: CommandState): void {
  program
    .command('up')
    .description(
      'apply manifest files and run their pods (foreground: stream their logs); again: update what changed',
    )
    .argument('[file]', 'the manifest file (or -f FILE)')
    .option(
      '-f, --file <file>',
      'manifest file, or a directory of them (*.yaml, *.yml, *.json); repeatable, all applied as one set in dependency order: Pods, Deployments, ReplicaSets, StatefulSets, Jobs, DaemonSets, Services, PersistentVolumeClaims, with their ConfigMaps and Secrets',
      collect,
    )
    .option('-R, --recursive', "with -f DIR: the manifests of its subdirectories' too")
    .option('-d, --detach', 'start the pods in the background; wait until their containers started')
    .option(
      '--wait',
      'like -d, but wait until every pod is Ready, every workload rolled out and every Job finished (fail with the reason)',
    )
    .option('--timeout <duration>', 'how long -d / --wait wait', '2m')
    .action(async (positional: string | undefined, options: UpOptions, command: Command) => {
      traceMark('cli.up');
      const fileFlags = options.file ?? [];
      if (positional !== undefined && fileFlags.length > 0 && !fileFlags.includes(positional))
        throw new UsageError(
          'pass the manifest once: as FILE or as -f FILE (several files: -f A -f B)',
        );
      const paths = fileFlags.length > 0 ? fileFlags : positional === undefined ? [] : [positional];
      if (paths.length === 0)
        throw new UsageError('name the manifest to run', {
          hint: 'podkit up -f pod.yaml (or -f DIR, several -f)',
        });
      const timeoutMs = parseDurationFlag('--timeout', options.timeout) ?? DEFAULT_START_TIMEOUT_MS;
      const namespace = manifestNamespace(command);
      const c = colorsFor(io);
      // The host check and the look for a running agent go on while the file is read.
      const host = requireHost();
      host.catch(() => undefined);
      const running = new AgentClient(layoutFor(command, io).root).alive();
      const files = await readManifestFiles(paths, options.recursive === true);
      traceMark('cli.manifest');
      // The agent parses and validates the file. Before an agent is started for it, or when
      // the host cannot run pods, the CLI checks the file itself: a bad file is reported as
      // such, and starts nothing.
      const hostOk = await host.then(
        () => true,
        () => false,
      );
      if (!hostOk || !(await running)) {
        const { parseManifestTexts } = await import('../manifest-load.js');
        const verdict = manifestVerdict(parseManifestTexts(files, namespace));
        if (!hostOk || !verdict.valid || !verdict.runnable) {
          printDiagnostics(verdict, io, c);
          if (!settleVerdict(files, verdict, io, c)) {
            state.exitCode = ExitCode.FAILURE;
            return;
          }
          await host;
        }
      }
      traceMark('cli.preflight');
      const client = await agentFor(command, io);
      traceMark('cli.agent');
      // Images admission pulls show their progress on stderr, as `podman kube play` does.
      const progress = new PullProgress(
        (text) => io.stderr.write(text),
        (io.stderr as { isTTY?: boolean }).isTTY === true,
      );
      let verdict: ManifestVerdict | undefined;
      let result: ApplyResult | undefined;
      // One file goes as one (the shape every agent reads), several as `files`: one apply.
      const what = files.length === 1 && files[0] !== undefined ? files[0] : { files };
      await applyManifest(client, { ...what, namespace, replaceEnded: true }, (line) => {
        if (line.type === 'manifest') {
          verdict = line;
          printDiagnostics(line, io, c);
        } else if (line.type === 'pull') progress.onEvent(line.event);
        // `up` again after Ctrl+C or a failure, as compose users do: the agent removes the
        // file's pods that ended, first, and it is said here.
        else if (line.type === 'replaced')
          io.stderr.write(
            `pod/${line.name} ${c.yellow('replaced')} (it had ended: ${line.phase})\n`,
          );
        // kubectl apply's word for it: the pod runs already as the file says.
        else if (line.type === 'unchanged')
          io.stderr.write(`pod/${line.name} ${c.green('unchanged')} (it runs already)\n`);
        else result = line;
      }).finally(() => {
        progress.close();
      });
      traceMark('up.applied');
      if (verdict === undefined) throw unexpectedAnswer(client);
      if (!settleVerdict(files, verdict, io, c)) {
        state.exitCode = ExitCode.FAILURE;
        return;
      }
      if (result === undefined) throw unexpectedAnswer(client);
      const { records, workloads } = result;
      for (const claim of result.claims)
        io.stdout.write(
          `persistentvolumeclaim/${claim.metadata.name} ${c.green('applied')} (${claim.spec.storage}, ${claim.spec.accessModes.join(',')})\n`,
        );
      reportServices(result.services, io, c);
      for (const warning of result.warnings)
        io.stderr.write(`${c.yellow('warning')}: ${warning}\n`);
      for (const w of workloads)
        io.stdout.write(
          `${w.kind.toLowerCase()}/${w.metadata.name} ${c.green('applied')} (${workloadSize(w)})\n`,
        );
      if (workloads.length > 0) {
        // A workload's pods run until it is deleted: there is no foreground to follow, so
        // `up` waits as -d does (kubectl apply returns at once; compose up -d waits).
        if (options.wait !== true && options.detach !== true)
          io.stderr.write(
            'the workloads run in the background (as with -d); `podkit down -f FILE` removes them\n',
          );
        const deadline = Date.now() + timeoutMs;
        const ready = options.wait === true;
        const pods = ready
          ? await waitReady(client, records, timeoutMs, io, c)
          : await waitStarted(client, records, timeoutMs, io, c);
        const w = await waitWorkloads(
          client,
          workloads,
          ready ? 'ready' : 'started',
          Math.max(0, deadline - Date.now()),
          io,
          c,
        );
        state.exitCode = pods !== ExitCode.OK ? pods : w;
        return;
      }
      if (records.length === 0) return;
      state.exitCode =
        options.wait === true
          ? await waitReady(client, records, timeoutMs, io, c)
          : options.detach === true
            ? await waitStarted(client, records, timeoutMs, io, c)
            : await runForeground(client, records, io, c);
    });
}

/** One line per Service of the file, with the address it got. */
function reportServices(services: readonly AppliedService[], io: CliIo, c: Colors): void {
  for (const { record, selectsPods } of services) {
    const { metadata, spec } = record.service;
    const nodePorts = spec.ports.flatMap((p) => (p.nodePort === undefined ? [] : [p.nodePort]));
    const where =
      spec.clusterIP === 'None'
        ? 'headless'
        : `ClusterIP ${spec.clusterIP ?? '?'}${nodePorts.length > 0 ? `, NodePort ${nodePorts.join(',')}` : ''}`;
    io.stdout.write(`service/${metadata.name} ${c.green('applied')} (${where})\n`);
    if (!selectsPods) {
      const selector = Object.entries(spec.selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      io.stderr.write(
        `${c.yellow('warning')}: service/${metadata.name} selects no pod${selector === '' ? '' : ` (${selector})`}: it has no endpoints until one runs\n`,
      );
    }
  }
}

/** Prints a file's warnings and errors as the agent (or the CLI's own check) found them. */
function printDiagnostics(verdict: ManifestVerdict, io: CliIo, c: Colors): void {
  for (const d of verdict.diagnostics) io.stderr.write(`${renderDiagnostic(d, c)}\n`);
}

/**
 * What a verdict means for `up`: false when a file is invalid (after a summary line for each
 * such file, and, of several files, that none was applied); valid files with nothing to run
 * are an error of their own.
 */
function settleVerdict(
  files: readonly ManifestText[],
  verdict: ManifestVerdict,
  io: CliIo,
  c: Colors,
): boolean {
  if (!verdict.valid) {
    for (const { file } of files) {
      const mine = verdict.diagnostics.filter((d) => d.file === file);
      const summary = renderInvalidSummary(file, mine, c);
      if (summary !== undefined) io.stderr.write(`${summary}\n`);
    }
    if (files.length > 1)
      io.stderr.write(
        `nothing was applied: the ${String(files.length)} files go together, all or none\n`,
      );
    return false;
  }
  const file = files.map((f) => f.file).join(', ');
  if (!verdict.runnable)
    throw new PodkitError(CliErrorCode.CLI_NO_POD, `${file} holds no Pod to run`, {
      hint: 'add a `kind: Pod`, `Deployment`, `StatefulSet`, `Job` or `DaemonSet` document',
    });
  return true;
}

function unexpectedAnswer(client: AgentClient): PodkitError {
  return new PodkitError(
    AgentErrorCode.AGENT_PROTOCOL,
    `the podkit agent of ${client.root} ended its answer to the apply early`,
    { hint: `see ${client.root}/agent.log` },
  );
}

/** Why a pod failed, from its status, its last warning event, or its containers' exits. */
async function failureReason(client: AgentClient, r: PodRecord): Promise<string | undefined> {
  if (r.status.phase !== 'Failed') return undefined;
  if (r.status.message !== undefined) return r.status.message;
  const events = await podEvents(client, r.namespace, r.name).catch(() => []);
  const warning = events.filter((e) => e.type === 'Warning').at(-1);
  const exited = [...r.status.initContainerStatuses, ...r.status.containerStatuses]
    .filter((s) => (s.state.terminated?.exitCode ?? 0) !== 0)
    .map((s) => `container ${s.name} exited with code ${s.state.terminated?.exitCode ?? '?'}`);
  if (exited.length > 0) return exited.join('; ');
  return warning?.message ?? r.status.reason ?? 'unknown reason';
}

/** `-d`: waits until every container started (or the pod failed) and prints each pod's IP. */
async function waitStarted(
  client: AgentClient,
  records: readonly PodRecord[],
  timeoutMs: number,
  io: CliIo,
  c: Colors,
): Promise<number> {
  let code: number = ExitCode.OK;
  for (const rec of records) {
    const r = await waitForPod(client, rec.uid, podStarted, timeoutMs);
    if (r === undefined) {
      io.stderr.write(`pod/${rec.name} was removed\n`);
      code = ExitCode.FAILURE;
      continue;
    }
    const failure = await failureReason(client, r);
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
 * until every pod ended (released by the agent). The first Ctrl+C asks the agent to stop each
 * pod gracefully, a second one forces it (kill at once); the pod record stays
 * (Succeeded/Failed) until `podkit down`.
 */
async function runForeground(
  client: AgentClient,
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
  const followers = new Map<string, Promise<void>>();
  const follow = (r: PodRecord, container: string): void => {
    const key = keyOf(r.name, container);
    if (followers.has(key)) return;
    const q = new URLSearchParams({ container, follow: '1' });
    let rest = '';
    const utf8 = new StringDecoder('utf8');
    const path = `/v1/pods/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}/log?${q.toString()}`;
    followers.set(
      key,
      client
        .bytes(path, (data) => {
          const text = rest + utf8.write(data);
          const lines = text.split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) io.stdout.write(`${prefix.get(key) ?? key} ${line}\n`);
        })
        .catch(() => undefined),
    );
  };

  const source = io.signals ?? process;
  let stopRequests = 0;
  let stopSignal: NodeJS.Signals | undefined;
  const pending = new Map(records.map((r) => [r.uid, r]));
  const last = new Map<string, PodRecord>(records.map((r) => [r.uid, r]));
  const onSignal = (sig: NodeJS.Signals): void => {
    stopRequests++;
    stopSignal ??= sig;
    const graceS = Math.max(...records.map((r) => r.pod.spec.terminationGracePeriodSeconds));
    io.stderr.write(
      stopRequests === 1
        ? `Gracefully stopping... waiting up to ${String(graceS)}s for the containers to exit (terminationGracePeriodSeconds; press Ctrl+C again to force)\n`
        : 'Forcing stop...\n',
    );
    for (const r of pending.values())
      void stopPod(client, r.namespace, r.name, stopRequests > 1).catch(() => undefined);
  };
  source.on('SIGINT', onSignal);
  source.on('SIGTERM', onSignal);
  const ac = new AbortController();
  try {
    await watchPods(
      client,
      records.map((r) => r.uid),
      (ch) => {
        if (ch.type === 'removed') {
          // Removed by `podkit down` from elsewhere.
          if (pending.delete(ch.uid)) io.stderr.write(`pod/${ch.name} was removed\n`);
        } else {
          const r = ch.record;
          last.set(r.uid, r);
          for (const st of [...r.status.initContainerStatuses, ...r.status.containerStatuses]) {
            const began =
              st.containerID !== undefined ||
              st.restartCount > 0 ||
              st.state.terminated !== undefined;
            if (began) follow(r, st.name);
          }
          if (r.released) pending.delete(r.uid);
        }
        if (pending.size === 0) ac.abort();
      },
      ac.signal,
    );
    if (pending.size > 0) {
      throw new PodkitError(
        AgentErrorCode.AGENT_LOST,
        'the podkit agent stopped while the pods ran',
        {
          hint: 'the pods keep running; `podkit ps` starts the agent again',
        },
      );
    }
    // Each log stream ends once its container ended for good: the last lines are in.
    await Promise.all(followers.values());
  } finally {
    source.off('SIGINT', onSignal);
    source.off('SIGTERM', onSignal);
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
  return exitCodeOf(client, [...last.values()], io);
}

/** The first non-zero exit code of a main container (in pod and spec order), else 0. */
async function exitCodeOf(
  client: AgentClient,
  records: readonly PodRecord[],
  io: CliIo,
): Promise<number> {
  for (const r of records) {
    for (const s of r.status.containerStatuses) {
      const code = s.state.terminated?.exitCode ?? 0;
      if (code !== 0) return code;
    }
    const failure = await failureReason(client, r);
    if (failure !== undefined) {
      io.stderr.write(`pod/${r.name} failed: ${failure}\n`);
      return ExitCode.FAILURE;
    }
  }
  return ExitCode.OK;
}
