import { Option, type Command } from 'commander';
import { manifestNamespace } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { readManifestFiles } from '../manifest-files.js';
import { colorsFor, renderValidation, validationReport } from '../render.js';
import type { CommandState } from '../program.js';

interface ValidateOptions {
  output: 'text' | 'json';
  recursive?: boolean | undefined;
}

/**
 * `podkit validate FILE|DIR…`: parses and validates manifests without running anything (a
 * directory: its manifest files, as `up -f DIR` reads it; objects defined in two files are
 * errors, as `up` of them all would be). Exit 0 when every file is valid (warnings allowed),
 * 1 when any is invalid, 2 when a file cannot be read.
 */
export function registerValidate(program: Command, io: CliIo, state: CommandState): void {
  program
    .command('validate')
    .description(
      'check Kubernetes manifests (Pod, ConfigMap, Secret, workload templates) without running them',
    )
    .argument('<files...>', 'YAML or JSON manifest files, or directories of them')
    .option('-R, --recursive', "directories' subdirectories too")
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .action(async (paths: string[], options: ValidateOptions, command: Command) => {
      const namespace = manifestNamespace(command);
      const files = await readManifestFiles(paths, options.recursive === true);
      const { parseManifestFiles } = await import('../manifest-load.js');
      const sets = parseManifestFiles(files, namespace);
      if (options.output === 'json') {
        io.stdout.write(`${JSON.stringify(validationReport(sets), null, 2)}\n`);
      } else {
        io.stdout.write(renderValidation(sets, colorsFor(io)));
      }
      const invalid = sets.some((s) => s.diagnostics.some((d) => d.severity === 'error'));
      state.exitCode = invalid ? ExitCode.FAILURE : ExitCode.OK;
    });
}
