import { Command } from 'commander';
import { PODKIT_VERSION } from './version.js';
import { habitSuggestion } from './command-habits.js';
import type { CliIo } from './io.js';

/** What a command's action reports back to the runner. */
export interface CommandState {
  exitCode: number;
}

type Register = (program: Command, io: CliIo, state: CommandState) => void;

/**
 * Every command, in help order, with the module that registers it (`src/commands/<name>.ts`).
 * A module is loaded only when its command runs, or for help and unknown commands: a
 * `podkit up` does not compile the code of the other commands (pod start time).
 */
const COMMANDS: readonly (readonly [string, () => Promise<readonly Register[]>])[] = [
  ['validate', async () => [(await import('./commands/validate.js')).registerValidate]],
  ['up', async () => [(await import('./commands/up.js')).registerUp]],
  ['down', async () => [(await import('./commands/down.js')).registerDown]],
  ['ps', async () => [(await import('./commands/ps.js')).registerPs]],
  ['logs', async () => [(await import('./commands/logs.js')).registerLogs]],
  ['exec', async () => [(await import('./commands/exec.js')).registerExec]],
  ['describe', async () => [(await import('./commands/describe.js')).registerDescribe]],
  ['get', async () => [(await import('./commands/get.js')).registerGet]],
  ['gc', async () => [(await import('./commands/gc.js')).registerGc]],
  [
    'image',
    async () => {
      const [image, build] = await Promise.all([
        import('./commands/image.js'),
        import('./commands/image-build.js'),
      ]);
      return [image.registerImage, build.registerImageBuild];
    },
  ],
  ['kube', async () => [(await import('./commands/kube.js')).registerKube]],
  ['kubeconfig', async () => [(await import('./commands/kubeconfig.js')).registerKubeconfig]],
  ['agent', async () => [(await import('./commands/agent.js')).registerAgent]],
];

/** The program's options that take a value (the command name is the first other word). */
const VALUE_OPTIONS = new Set(['--root', '-n', '--namespace']);

/** The command `argv` runs, when it names one of COMMANDS. */
function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return COMMANDS.some(([n]) => n === a) ? a : undefined;
  }
  return undefined;
}

/**
 * Builds the `podkit` program for `argv`: the command it names (all of them for help, an
 * unknown command or none). Commander never exits the process: errors are thrown to the
 * runner.
 */
export async function buildProgram(
  io: CliIo,
  state: CommandState,
  argv?: readonly string[],
): Promise<Command> {
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
  const name = argv === undefined ? undefined : commandOf(argv);
  const versionOnly =
    name === undefined && argv !== undefined && argv.some((a) => a === '-V' || a === '--version');
  const wanted = versionOnly ? [] : COMMANDS.filter(([n]) => n === name);
  const modules = await Promise.all(
    (wanted.length > 0 || versionOnly ? wanted : COMMANDS).map(async ([, load]) => load()),
  );
  for (const registers of modules) for (const register of registers) register(program, io, state);
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
