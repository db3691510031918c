import { PodkitError } from '@podkit/kit';
import { expandVariables, type EnvEntry } from './expand-env.js';
import { RuntimeErrorCode } from '../errors.js';

export interface CommandInput {
  /** The container's `command` (replaces the image ENTRYPOINT and drops its CMD). */
  command?: readonly string[] | undefined;
  /** The container's `args` (replaces the image CMD). */
  args?: readonly string[] | undefined;
  /** The image config's ENTRYPOINT. */
  entrypoint?: readonly string[] | undefined;
  /** The image config's CMD. */
  cmd?: readonly string[] | undefined;
}

/**
 * The argv a container runs, by the Kubernetes rules (the table in "Define a Command and
 * Arguments for a Container"), with containerd's handling of empty lists: an empty `command`
 * counts as unset, and an image ENTRYPOINT of `[""]` means none.
 *
 * When `env` is given, `$(VAR)` references in `command` and `args` are expanded from it.
 *
 * @example
 *   resolveCommand({ args: ['-c', 'echo hi'], entrypoint: ['/bin/sh'], cmd: ['-i'] });
 *   // ['/bin/sh', '-c', 'echo hi']
 */
export function resolveCommand(input: CommandInput, env?: readonly EnvEntry[]): string[] {
  // kubelet expands only the pod's own command/args, never the image's ENTRYPOINT/CMD.
  const expand = (list: readonly string[] | undefined): string[] =>
    env === undefined ? [...(list ?? [])] : expandCommand(list ?? [], env);
  let command = expand(input.command);
  let args = expand(input.args);
  if (command.length === 0) {
    if (args.length === 0) args = [...(input.cmd ?? [])];
    const ep = input.entrypoint ?? [];
    if (!(ep.length === 1 && ep[0] === '')) command = [...ep];
  }
  const argv = [...command, ...args];
  if (argv.length === 0) {
    throw new PodkitError(
      RuntimeErrorCode.CONTAINER_NO_COMMAND,
      'no command specified: the container has no command or args and its image no entrypoint or cmd',
      {
        hint: 'set `command:` (or `args:`) on the container, or an entrypoint/cmd on the image (podkit image add … --entrypoint JSON --cmd JSON)',
      },
    );
  }
  return argv;
}

/** Expands `$(VAR)` references in command/args from the container's final env (kubelet). */
export function expandCommand(argv: readonly string[], env: readonly EnvEntry[]): string[] {
  const values = new Map(env.map((e) => [e.name, e.value]));
  return argv.map((a) => expandVariables(a, (name) => values.get(name)));
}
