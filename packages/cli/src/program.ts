import { Command } from 'commander';
import { registerAgent } from './commands/agent.js';
import { PODKIT_VERSION } from './version.js';
import { registerDescribe } from './commands/describe.js';
import { registerDown } from './commands/down.js';
import { registerExec } from './commands/exec.js';
import { registerGc } from './commands/gc.js';
import { registerGet } from './commands/get.js';
import { registerImage } from './commands/image.js';
import { registerImageBuild } from './commands/image-build.js';
import { registerKube } from './commands/kube.js';
import { registerLogs } from './commands/logs.js';
import { registerPs } from './commands/ps.js';
import { registerUp } from './commands/up.js';
import { registerValidate } from './commands/validate.js';
import { habitSuggestion } from './command-habits.js';
import type { CliIo } from './io.js';

/** What a command's action reports back to the runner. */
export interface CommandState {
  exitCode: number;
}

/**
 * Builds the `podkit` program. Each command lives in `src/commands/<name>.ts` and registers
 * itself here. Commander never exits the process: errors are thrown to the runner.
 */
export function buildProgram(io: CliIo, state: CommandState): Command {
  const program = new Command('podkit')
    .description('run Kubernetes Pods on one Linux machine, with kubelet semantics')
    .version(PODKIT_VERSION, '-V, --version', 'print the version of podkit')
    .exitOverride()
    .showHelpAfterError('(run podkit --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .option('--root <dir>', 'state root (default: $PODKIT_ROOT, else /var/lib/podkit)')
    .option(
      '-n, --namespace <namespace>',
      'namespace of the pods named on the command line',
      'default',
    );
  registerValidate(program, io, state);
  registerUp(program, io, state);
  registerDown(program, io, state);
  registerPs(program, io, state);
  registerLogs(program, io, state);
  registerExec(program, io, state);
  registerDescribe(program, io, state);
  registerGet(program, io, state);
  registerGc(program, io, state);
  registerImage(program, io, state);
  registerImageBuild(program, io, state);
  registerKube(program, io, state);
  registerAgent(program, io, state);
  // Commander suggests by spelling (`upp` → up); other tools' words (`pull`, `rm`, `run`) get
  // podkit's command for them. Without a listener commander calls unknownCommand itself.
  program.on('command:*', (operands: string[]) => {
    const name = operands[0];
    const habit = habitSuggestion(name);
    if (habit === undefined) {
      (program as unknown as { unknownCommand(): never }).unknownCommand();
    }
    program.error(`error: unknown command '${name ?? ''}'\n(podkit's command for it: ${habit})`, {
      code: 'commander.unknownCommand',
    });
  });
  return program;
}
