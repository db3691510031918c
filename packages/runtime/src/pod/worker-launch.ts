import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigMap, Secret } from '../spec/types.js';
import { traceMark } from '../trace.js';
import type { StateLayout } from '../state/state-root.js';

/** What a pod worker needs that is not on disk: the secret values never are. */
export interface WorkerPayload {
  stateRoot: string;
  uid: string;
  configMaps: SerializedConfigMap[];
  secrets: SerializedSecret[];
  /** CrashLoopBackOff base, cap and clean-run reset window in ms (tests scale them down). */
  backoff?: { baseMs: number; capMs: number; resetAfterMs?: number | undefined } | undefined;
  /** Host paths hidden from host-image containers besides the defaults. */
  hiddenHostPaths?: string[] | undefined;
}

type SerializedConfigMap = Omit<ConfigMap, 'binaryData'> & { binaryData: Record<string, string> };
type SerializedSecret = Omit<Secret, 'data'> & { data: Record<string, string> };

const b64 = (r: Record<string, Buffer>): Record<string, string> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.toString('base64')]));
const unb64 = (r: Record<string, string>): Record<string, Buffer> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.from(v, 'base64')]));

export function serializeObjects(
  configMaps: readonly ConfigMap[],
  secrets: readonly Secret[],
): Pick<WorkerPayload, 'configMaps' | 'secrets'> {
  return {
    configMaps: configMaps.map((c) => ({ ...c, binaryData: b64(c.binaryData) })),
    secrets: secrets.map((s) => ({ ...s, data: b64(s.data) })),
  };
}

export function deserializeObjects(p: WorkerPayload): {
  configMaps: ConfigMap[];
  secrets: Secret[];
} {
  return {
    configMaps: p.configMaps.map((c) => ({ ...c, binaryData: unb64(c.binaryData) })),
    secrets: p.secrets.map((s) => ({ ...s, data: unb64(s.data) })),
  };
}

/**
 * The argv that runs the pod worker: the built `dist/pod/worker-main.js`, or — when podkit runs
 * from its TypeScript sources (tests) — the `.ts` file through tsx.
 */
export function workerArgv(): [string, ...string[]] {
  const self = fileURLToPath(import.meta.url);
  const ext = path.extname(self);
  const entry = path.join(path.dirname(self), `worker-main${ext}`);
  if (ext === '.ts') {
    return [
      process.execPath,
      '--conditions=podkit-source',
      '--import',
      import.meta.resolve('tsx'),
      entry,
    ];
  }
  return [process.execPath, entry];
}

/** A started worker waiting for its payload. */
export interface PendingWorker {
  readonly pid: number;
  /** Sends the payload: the worker starts the pod. */
  start(payload: WorkerPayload): void;
  /** Kills the waiting worker (it has created nothing yet) and waits for it to be gone. */
  cancel(): Promise<void>;
}

/**
 * Starts a pod's worker as a detached process (its own session and process group), so the pod
 * outlives the CLI that started it. It loads its code and then waits for its payload on stdin
 * (secrets never touch the disk): starting it before admission overlaps its start-up with the
 * admission checks. Its own diagnostics go to `<podDir>/worker.log`.
 */
export async function spawnWorker(layout: StateLayout, uid: string): Promise<PendingWorker> {
  return spawnWorkerIn(layout.root, layout.podDir(uid), uid);
}

async function spawnWorkerIn(root: string, podDir: string, uid: string): Promise<PendingWorker> {
  const logFile = await open(path.join(podDir, 'worker.log'), 'a', 0o600);
  try {
    // The state root in argv names the worker in `ps` and lets host snapshots find it; the
    // uid lets a worker whose CLI went away before admission remove its empty pod directory.
    const [cmd, ...args] = workerArgv();
    args.push(root, uid);
    // The worker never verifies a TLS peer (https probes and hooks skip verification, as
    // kubelet's; gRPC probes are plaintext), and Node parses NODE_EXTRA_CA_CERTS eagerly at
    // start-up (~100 ms for a distribution bundle on a busy machine): the worker goes without.
    const { NODE_EXTRA_CA_CERTS: _unused, ...env } = process.env;
    const child = spawn(cmd, args, {
      detached: true,
      stdio: ['pipe', logFile.fd, logFile.fd],
      env: { ...env, PODKIT_ROOT: root },
    });
    const pid = child.pid;
    if (pid === undefined) {
      throw await new Promise<Error>((resolve) => child.once('error', resolve));
    }
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
    });
    // A worker that dies early must not take the caller down with an EPIPE.
    child.stdin?.on('error', () => undefined);
    child.unref();
    return {
      pid,
      start: (payload) => {
        child.stdin?.end(JSON.stringify(payload));
      },
      cancel: async () => {
        // Keep the caller alive until the kill is seen (the handle was unref'd).
        child.ref();
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await exited;
      },
    };
  } finally {
    await logFile.close();
  }
}

/** A worker started before its pod was admitted, and the pod directory made for it. */
export interface PrelaunchedWorker {
  /** The state root (absolute) it was started for. */
  readonly root: string;
  /** The uid its pod will have. */
  readonly uid: string;
  /** `<root>/pods/<uid>`: holds its worker.log until the pod's record joins it. */
  readonly podDir: string;
  readonly worker: PendingWorker;
  /** Kills the worker and removes the pod directory (the pod was never admitted). */
  discard(): Promise<void>;
}

/**
 * Starts a pod worker for a pod not yet admitted, before the caller has even loaded the rest of
 * podkit: `podkit up` calls it first thing, so the worker's start-up (Node plus its modules,
 * a few hundred ms) runs beside the CLI's own, instead of after it. Only this module and
 * Node's are loaded. Creates nothing but `<root>/pods/<uid>/worker.log`, and only under an
 * existing state root (undefined otherwise: the caller starts its worker the usual way).
 * Whoever does not hand it a pod calls `discard()`; if that caller dies instead, the worker
 * sees its stdin close without a payload and removes the directory itself.
 */
export async function prelaunchWorker(stateRoot: string): Promise<PrelaunchedWorker | undefined> {
  traceMark('prelaunch');
  const root = path.resolve(stateRoot);
  const podsDir = path.join(root, 'pods');
  if (
    !(await stat(podsDir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    return undefined;
  const uid = randomUUID();
  const podDir = path.join(podsDir, uid);
  await mkdir(podDir, { mode: 0o700 });
  let worker: PendingWorker;
  try {
    worker = await spawnWorkerIn(root, podDir, uid);
  } catch {
    await rm(podDir, { recursive: true, force: true });
    return undefined;
  }
  return {
    root,
    uid,
    podDir,
    worker,
    discard: async () => {
      await worker.cancel();
      await rm(podDir, { recursive: true, force: true });
    },
  };
}
