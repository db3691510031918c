import { access, constants } from 'node:fs/promises';
import type { Command } from 'commander';
import { PodkitError, isPodkitError, tryParseDuration } from '@podkit/kit';
import {
  HostPreflightError,
  readManifestFile,
  preflight,
  resolveStateRoot,
  stateLayout,
  type HostInfo,
  type PodRecord,
  type StateLayout,
  RuntimeErrorCode,
} from '@podkit/runtime';
import { CliErrorCode, UsageError } from './errors.js';
import type { CliIo } from './io.js';

/** The options every command inherits from `podkit` itself. */
export interface GlobalOptions {
  root?: string | undefined;
  namespace: string;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/**
 * The namespace a manifest's objects are read into: `-n NS` when given (objects without a
 * namespace go there, others must match it, as with kubectl), else undefined (each object's
 * own, else `default`).
 */
export function manifestNamespace(command: Command): string | undefined {
  if (command.getOptionValueSourceWithGlobals('namespace') !== 'cli') return undefined;
  return globalOptions(command).namespace;
}

/** The state root: `--root`, else `$PODKIT_ROOT`, else /var/lib/podkit. */
export function layoutFor(command: Command, io: CliIo): StateLayout {
  return stateLayout(resolveStateRoot(globalOptions(command).root, io.env));
}

/**
 * The full host check (root, runc, catatonit, CNI plugins, cgroups) for commands that create or
 * remove pod resources. Its error lists every problem and says to run scripts/setup.sh.
 */
export async function requireHost(): Promise<HostInfo> {
  return preflight();
}

/**
 * For commands that only read or write the state root (ps, logs, describe, image): the state
 * root is 0700 root-owned, so a non-root user gets the preflight's "needs root" message rather
 * than an empty list or an EACCES stack. A root that does not exist yet is fine (nothing in it).
 */
export async function requireStateAccess(layout: StateLayout): Promise<void> {
  try {
    await access(layout.root, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') return;
    const euid = process.geteuid?.() ?? -1;
    throw new HostPreflightError([
      {
        code: euid === 0 ? 'HOST_MISSING_TOOL' : 'HOST_NOT_ROOT',
        message: `cannot use the state root ${layout.root} as uid ${euid}`,
        hint: 'run it with sudo or as root, or pass --root DIR with a directory you own',
      },
    ]);
  }
}

/** `--timeout 90s` → 90000; anything that is not a Go-style duration is a usage error. */
export function parseDurationFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = tryParseDuration(text);
  if (!parsed.ok)
    throw new UsageError(`${flag}: ${parsed.reason}`, { hint: 'e.g. 90s, 2m, 1m30s' });
  if (parsed.ms < 0) throw new UsageError(`${flag}: must not be negative, got "${text}"`);
  return parsed.ms;
}

/**
 * The container a command acts on, like kubectl: `-c NAME` (any main, init or sidecar
 * container), else the only main container; with several, the error lists their names.
 */
export function pickContainer(record: PodRecord, wanted: string | undefined): string {
  const spec = record.pod.spec;
  const mains = spec.containers.map((c) => c.name);
  const inits = spec.initContainers.map((c) => c.name);
  const choices = (): string =>
    `choose one of: [${mains.join(' ')}]${inits.length > 0 ? ` or one of the init containers: [${inits.join(' ')}]` : ''}`;
  if (wanted === undefined) {
    if (mains.length === 1 && mains[0] !== undefined) return mains[0];
    throw new UsageError(
      `a container name must be specified for pod ${record.name}, ${choices()}`,
      { hint: 'pass -c CONTAINER' },
    );
  }
  if (mains.includes(wanted) || inits.includes(wanted)) return wanted;
  throw new PodkitError(
    CliErrorCode.CLI_CONTAINER_NOT_FOUND,
    `container "${wanted}" is not in pod ${record.name}; ${choices()}`,
  );
}

/**
 * A manifest file's text; an unreadable file is a usage error (exit 2), like `podkit validate`.
 * (Parsing it is manifest-load.ts, loaded on demand: `up` sends the text to the agent.)
 */
export async function readManifest(file: string): Promise<string> {
  try {
    return await readManifestFile(file);
  } catch (err) {
    if (!isPodkitError(err, RuntimeErrorCode.POD_MANIFEST_UNREADABLE)) throw err;
    throw new UsageError(err.message, { hint: 'pass an existing manifest file with -f FILE' });
  }
}
