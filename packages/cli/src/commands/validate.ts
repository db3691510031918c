import { Option, type Command } from 'commander';
import { isPodkitError } from '@podkit/kit';
import { RuntimeErrorCode, type ManifestSet } from '@podkit/runtime';
import { manifestNamespace } from '../context.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { colorsFor, renderValidation, validationReport } from '../render.js';
import type { CommandState } from '../program.js';

interface ValidateOptions {
  output: 'text' | 'json';
}

/**
 * `podkit validate FILE…`: parses and validates manifests without running anything.
 * Exit 0 when every file is valid (warnings allowed), 1 when any is invalid, 2 when a file
 * cannot be read.
 */
export function registerValidate(program: Command, io: CliIo, state: CommandState): void {
  program
    .command('validate')
    .description(
      'check Kubernetes manifests (Pod, ConfigMap, Secret, workload templates) without running them',
    )
    .argument('<files...>', 'YAML or JSON manifest files')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .action(async (files: string[], options: ValidateOptions, command: Command) => {
      const namespace = manifestNamespace(command);
      const { loadManifestFile } = await import('../manifest-load.js');
      const sets: ManifestSet[] = [];
      const unreadable: string[] = [];
      for (const file of files) {
        try {
          sets.push(await loadManifestFile(file, undefined, { namespace }));
        } catch (err) {
          if (!isPodkitError(err, RuntimeErrorCode.POD_MANIFEST_UNREADABLE)) throw err;
          unreadable.push(err.message);
        }
      }
      if (unreadable.length > 0) {
        throw new UsageError(unreadable.join('\n'), { hint: 'pass existing manifest files' });
      }
      if (options.output === 'json') {
        io.stdout.write(`${JSON.stringify(validationReport(sets), null, 2)}\n`);
      } else {
        io.stdout.write(renderValidation(sets, colorsFor(io)));
      }
      const invalid = sets.some((s) => s.diagnostics.some((d) => d.severity === 'error'));
      state.exitCode = invalid ? ExitCode.FAILURE : ExitCode.OK;
    });
}
