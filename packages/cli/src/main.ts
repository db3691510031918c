#!/usr/bin/env node
// The `podkit` bin: runs the program and turns its result into the process exit code.
import { processIo } from './io.js';
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
