import type { Command } from 'commander';
import { isPodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '@podkit/runtime';
import { globalOptions, manifestNamespace, parseDurationFlag, requireHost } from '../context.js';
import {
  agentFor,
  listClaims,
  removeClaim,
  removePod,
  removeService,
  removeWorkload,
} from '../agent-access.js';
import { UsageError } from '../errors.js';
import { readManifestFiles } from '../manifest-files.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';
import { colorsFor, renderDiagnostic } from '../render.js';

interface DownOptions {
  /** Absent when no -f was given. */
  file?: string[] | undefined;
  recursive?: boolean | undefined;
  force?: boolean | undefined;
  timeout?: string | undefined;
  volumes?: boolean | undefined;
}

/** `pvc/NAME` (kubectl's TYPE/NAME) names a claim; anything else a pod. */
const CLAIM_ARG = /^(?:pvc|persistentvolumeclaims?)\/(.+)$/;

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** What the agent answers for an object that is not there. */
const NOT_FOUND: readonly string[] = [
  RuntimeErrorCode.POD_NOT_FOUND,
  RuntimeErrorCode.SERVICE_NOT_FOUND,
  RuntimeErrorCode.WORKLOAD_NOT_FOUND,
];

/** Unique by kind, namespace and name (an object several files name is removed once). */
function unique<T extends { name: string | RegExp; namespace: string; kind?: string }>(
  items: readonly T[],
): T[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const key = `${x.kind ?? ''}/${x.namespace}/${String(x.name)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * `podkit down NAME… | -f FILE|DIR [-f …]`: stops each pod (its containers get their grace
 * period, or are killed at once with --force), releases everything it held and removes its
 * record and logs. Every object is attempted. A pod named that is not there makes the exit
 * code 1; with -f, an object of the files that is not there is said (`not found`) and is no
 * failure — what the files made is gone either way, as `docker compose down` takes it.
 */
export function registerDown(program: Command, io: CliIo, state: CommandState): void {
  program
    .command('down')
    .description('stop pods and remove them (containers, network, volumes, record, logs)')
    .argument('[names...]', 'pod names, or pvc/NAME for a PersistentVolumeClaim (its data goes)')
    .option(
      '-f, --file <file>',
      'the objects of this manifest file, or of a directory of them (repeatable): workloads (with their pods), pods and Services; claims stay unless --volumes',
      collect,
    )
    .option('-R, --recursive', "with -f DIR: the manifests of its subdirectories' too")
    .option(
      '--volumes',
      "with -f: remove the file's PersistentVolumeClaims and its StatefulSets' claims too, with their data",
    )
    .option('--force', 'do not wait for the grace period: kill the containers at once')
    .option('--timeout <duration>', 'how long to wait for the pod to stop before killing it')
    .action(async (names: string[], options: DownOptions, command: Command) => {
      const timeoutMs = parseDurationFlag('--timeout', options.timeout);
      const { namespace } = globalOptions(command);
      let targets: { name: string; namespace: string }[];
      let services: { name: string; namespace: string }[] = [];
      let workloads: { kind: string; name: string; namespace: string }[] = [];
      // Claims to remove: by name, or (a StatefulSet's) every `<template>-<set>-<ordinal>`.
      let claims: { namespace: string; name: string | RegExp; label: string }[] = [];
      let keptClaims: string[] = [];
      const fileFlags = options.file ?? [];
      const byFile = fileFlags.length > 0;
      if (byFile) {
        if (names.length > 0) throw new UsageError('pass pod names or -f FILE, not both');
        const files = await readManifestFiles(fileFlags, options.recursive === true);
        const { parseManifestTexts } = await import('../manifest-load.js');
        const set = parseManifestTexts(files, manifestNamespace(command));
        // An object of another namespace than -n: nothing is removed, as up starts nothing.
        const mismatched = set.diagnostics.filter((d) => d.code === 'namespace-mismatch');
        if (mismatched.length > 0) {
          const c = colorsFor(io);
          for (const d of mismatched) io.stderr.write(`${renderDiagnostic(d, c)}\n`);
          state.exitCode = ExitCode.FAILURE;
          return;
        }
        targets = unique(
          set.pods.map((p) => ({ name: p.metadata.name, namespace: p.metadata.namespace })),
        );
        services = unique(
          set.services.map((s) => ({ name: s.metadata.name, namespace: s.metadata.namespace })),
        );
        const fileClaims = set.persistentVolumeClaims.map((p) => ({
          namespace: p.metadata.namespace,
          name: p.metadata.name,
          label: `persistentvolumeclaim/${p.metadata.name}`,
        }));
        const setClaims = set.statefulSets.flatMap((s) =>
          s.spec.volumeClaimTemplates.map((t) => ({
            namespace: s.metadata.namespace,
            name: new RegExp(`^${escapeRegExp(`${t.metadata.name}-${s.metadata.name}-`)}[0-9]+$`),
            label: `the claims ${t.metadata.name}-${s.metadata.name}-N`,
          })),
        );
        if (options.volumes === true) claims = unique([...fileClaims, ...setClaims]);
        else keptClaims = [...new Set([...fileClaims, ...setClaims].map((x) => x.label))];
        workloads = unique(
          [
            ...set.deployments,
            ...set.replicaSets,
            ...set.statefulSets,
            ...set.jobs,
            ...set.daemonSets,
          ].map((w) => ({
            kind: w.kind,
            name: w.metadata.name,
            namespace: w.metadata.namespace,
          })),
        );
        if (
          targets.length === 0 &&
          services.length === 0 &&
          workloads.length === 0 &&
          claims.length === 0 &&
          keptClaims.length === 0
        ) {
          throw new UsageError(`${set.file} holds no valid Pod`, {
            hint: '`podkit validate FILE` shows its problems',
          });
        }
      } else {
        if (names.length === 0) throw new UsageError('name the pods to remove, or pass -f FILE');
        if (options.volumes === true)
          throw new UsageError('--volumes goes with -f FILE', {
            hint: 'remove one claim with `podkit down pvc/NAME`',
          });
        targets = names.filter((n) => !CLAIM_ARG.test(n)).map((name) => ({ name, namespace }));
        claims = names.flatMap((n) => {
          const m = CLAIM_ARG.exec(n);
          return m?.[1] === undefined
            ? []
            : [{ namespace, name: m[1], label: `persistentvolumeclaim/${m[1]}` }];
        });
      }
      await requireHost();
      const client = await agentFor(command, io);
      const c = colorsFor(io);
      let removed = 0;
      let missing = 0;
      // An object that is not there: with -f a note (the file's objects are gone either way),
      // a failure for a pod named on the command line.
      const failed = (err: unknown, what: string): void => {
        if (!isPodkitError(err)) throw err;
        if (byFile && NOT_FOUND.includes(err.code)) {
          missing++;
          io.stderr.write(`${what} ${c.yellow('not found')} (nothing to remove)\n`);
          return;
        }
        io.stderr.write(`podkit: ${err.message}\n`);
        if (err.hint !== undefined) io.stderr.write(`hint: ${err.hint}\n`);
        state.exitCode = ExitCode.FAILURE;
      };
      // Workloads first (the agent answers once their ReplicaSets and pods are gone), as
      // kubectl delete -f deletes a file's objects and their dependents go by garbage collection.
      for (const w of workloads) {
        try {
          const { dependentsLeft } = await removeWorkload(
            client,
            w.kind,
            w.namespace,
            w.name,
            timeoutMs,
          );
          io.stdout.write(
            `${w.kind.toLowerCase()}/${w.name} ${c.green('removed')}${dependentsLeft ? ' (some of its pods are still stopping)' : ''}\n`,
          );
          removed++;
        } catch (err) {
          failed(err, `${w.kind.toLowerCase()}/${w.name}`);
        }
      }
      for (const t of targets) {
        try {
          await removePod(client, t.namespace, t.name, {
            force: options.force,
            timeoutMs,
            onWait: (message) => io.stderr.write(`${message}\n`),
          });
          io.stdout.write(`pod/${t.name} ${c.green('removed')}\n`);
          removed++;
        } catch (err) {
          failed(err, `pod/${t.name}`);
        }
      }
      // Claims go once the pods that mount them are gone (podkit keeps a claim a pod mounts).
      if (claims.length > 0) {
        const all = await listClaims(client);
        for (const want of claims) {
          const matches = all.filter(
            (r) =>
              r.claim.metadata.namespace === want.namespace &&
              (typeof want.name === 'string'
                ? r.claim.metadata.name === want.name
                : want.name.test(r.claim.metadata.name)),
          );
          if (matches.length === 0 && typeof want.name === 'string') {
            if (byFile) {
              missing++;
              io.stderr.write(`${want.label} ${c.yellow('not found')} (nothing to remove)\n`);
            } else {
              io.stderr.write(
                `podkit: no PersistentVolumeClaim named "${want.name}" in namespace "${want.namespace}"\n`,
              );
              state.exitCode = ExitCode.FAILURE;
            }
          }
          for (const r of matches) {
            try {
              await removeClaim(client, r.claim.metadata.namespace, r.claim.metadata.name);
              io.stdout.write(
                `persistentvolumeclaim/${r.claim.metadata.name} ${c.green('removed')} (with its data)\n`,
              );
              removed++;
            } catch (err) {
              if (!isPodkitError(err)) throw err;
              io.stderr.write(`podkit: ${err.message}\n`);
              if (err.hint !== undefined) io.stderr.write(`hint: ${err.hint}\n`);
              state.exitCode = ExitCode.FAILURE;
            }
          }
        }
      }
      // The file's Services go after its pods, as kubectl deletes a file's objects in order.
      for (const t of services) {
        try {
          await removeService(client, t.namespace, t.name);
          io.stdout.write(`service/${t.name} ${c.green('removed')}\n`);
          removed++;
        } catch (err) {
          failed(err, `service/${t.name}`);
        }
      }
      if (byFile && removed === 0 && missing > 0)
        io.stderr.write(
          'nothing of the files was there: removed already, or never applied (`podkit ps` shows what runs)\n',
        );
      // As `docker compose down` keeps named volumes: the data stays for the next `up`.
      if (keptClaims.length > 0)
        io.stderr.write(
          `kept ${keptClaims.join(', ')} and their data (\`podkit down --volumes -f FILE\` removes them)\n`,
        );
    });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
