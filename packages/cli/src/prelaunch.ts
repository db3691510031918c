/**
 * `podkit up` starts its pod's worker before the CLI loads the rest of podkit (the runtime,
 * YAML, commander: most of the CLI's start-up), so both Node processes load their modules at
 * the same time instead of one after the other. This module must stay light: Node's modules
 * only, and the runtime's worker launcher through its own entry point (importing
 * `@podkit/runtime` would load the whole runtime, the very cost this avoids).
 */
import path from 'node:path';
import type { PrelaunchedWorker } from '@podkit/runtime';

let pending: PrelaunchedWorker | undefined;

/**
 * The state root a `podkit up` argv will use (`--root`, else $PODKIT_ROOT, else the default),
 * or undefined when argv is not a plain `up` (another command, help). A guess for speed only:
 * the command compares it with the root it resolved itself (takePrelaunched).
 */
export function upStateRoot(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  let root: string | undefined;
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') break;
    if (a === '-h' || a === '--help') return undefined;
    if (a === '--root') root = argv[++i];
    else if (a.startsWith('--root=')) root = a.slice('--root='.length);
    else if (a === '-n' || a === '--namespace') i++;
    else if (!a.startsWith('-')) command ??= a;
  }
  if (command !== 'up') return undefined;
  const fromEnv = env.PODKIT_ROOT === '' ? undefined : env.PODKIT_ROOT;
  return path.resolve(root ?? fromEnv ?? '/var/lib/podkit');
}

/**
 * For a `podkit up` argv, starts the pod worker now (see the runtime's prelaunchWorker); the
 * `up` command takes it with takePrelaunched. Never fails: without a worker here, `up`
 * starts one itself as before.
 */
export async function prelaunch(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const root = upStateRoot(argv, env);
  if (root === undefined || pending !== undefined) return;
  try {
    // Its own entry point of the runtime: importing `@podkit/runtime` would load all of it.
    const { prelaunchWorker } = await import('@podkit/runtime/worker-launch');
    pending = await prelaunchWorker(root);
  } catch {
    pending = undefined;
  }
}

/**
 * The prelaunched worker, if it was started for `root` (a worker of another root is discarded).
 * The caller owns it from then on (upPod discards it when admission fails).
 */
export async function takePrelaunched(root: string): Promise<PrelaunchedWorker | undefined> {
  const p = pending;
  pending = undefined;
  if (p === undefined) return undefined;
  if (p.root === path.resolve(root)) return p;
  await p.discard();
  return undefined;
}

/** Kills a prelaunched worker nobody took (e.g. the manifest was invalid) and removes its dir. */
export async function discardPrelaunched(): Promise<void> {
  const p = pending;
  pending = undefined;
  await p?.discard();
}
