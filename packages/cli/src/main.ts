#!/usr/bin/env node
// The `podkit` bin: runs the program and turns its result into the process exit code.
import { processIo } from './io.js';
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2), processIo());
// Everything is written (on Linux, stdout and stderr writes to files, pipes and terminals are
// synchronous) and nothing else is pending: exit now instead of tearing the whole module graph
// down, which costs a `podkit up -d` tens of ms more on a busy machine. The agent (`podkit
// agent`) returns only once it stopped.
process.exit(code);
