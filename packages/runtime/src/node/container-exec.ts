import { PodkitError, startGroup } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';
import type { PodRecord } from '../pod/pod-store.js';
import { Runc, type RuncExit, type RuncProcess } from '../runc/runc.js';
import { containerRuncId, loadSandbox } from '../sandbox/index.js';
import type { StateLayout } from '../state/state-root.js';

export interface ExecOptions {
  tty?: boolean | undefined;
  stdin?: boolean | undefined;
  rows?: number | undefined;
  cols?: number | undefined;
}

/**
 * Runs a command in a running container of `record` (`runc exec`: its env, user and working
 * directory). With `tty` the command gets a terminal of `rows`×`cols`: runc runs inside
 * `script(1)`, whose pseudo-terminal runc takes as the one to relay, so that the caller needs
 * only byte streams. CONTAINER_NOT_RUNNING when the container is not running.
 */
export async function execInContainer(
  layout: StateLayout,
  record: PodRecord,
  container: string,
  argv: readonly string[],
  options: ExecOptions = {},
): Promise<RuncProcess> {
  const notRunning = (why: string): PodkitError =>
    new PodkitError(
      RuntimeErrorCode.CONTAINER_NOT_RUNNING,
      `container ${container} of pod ${record.name} is not running (${why})`,
      { hint: `\`podkit describe ${record.name}\` shows its state` },
    );
  const sandbox = await loadSandbox(layout, record.uid);
  if (record.released || sandbox === undefined)
    throw notRunning(`the pod ended: ${record.status.phase}`);
  const id = containerRuncId(sandbox, container);
  const runc = new Runc({ root: layout.runcRoot });
  const state = await runc.state(id);
  if (state?.status !== 'running') throw notRunning(state?.status ?? 'gone');
  if (options.tty !== true) {
    return runc.exec(id, {
      args: argv,
      stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
  }
  const q = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;
  const size =
    options.rows !== undefined && options.cols !== undefined
      ? `stty rows ${Math.floor(options.rows)} cols ${Math.floor(options.cols)} 2>/dev/null; `
      : '';
  const inner = `${size}exec ${[runc.binary, '--root', runc.root, 'exec', '--tty', id, ...argv].map(q).join(' ')}`;
  const { child, spawned } = startGroup('script', ['-q', '-e', '-c', inner, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: process.env,
  });
  spawned.catch(() => undefined); // reported through the child's 'error' below
  const exited = new Promise<RuncExit>((resolve) => {
    child.once('error', (e) => {
      resolve({ code: 127, signal: null, runcError: e.message });
    });
    child.once('exit', (code, sig) => {
      resolve({ code: code ?? 128, signal: sig, runcError: undefined });
    });
  });
  return { child, exited };
}
