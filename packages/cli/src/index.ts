/** podkit's command line, as a library (the bin is `main.ts`). */
export { runCli } from './run-cli.js';
export { buildProgram, type CommandState } from './program.js';
export { processIo, type CliIo } from './io.js';
export { ExitCode, exitCodeFor } from './exit-codes.js';
export { CliErrorCode, UsageError } from './errors.js';
export { validationReport, type ValidationReport } from './render.js';
