#!/usr/bin/env node
// The `podkit` bin: runs the program and turns its result into the process exit code.
// `podkit up` starts its pod worker first, then loads the program: both load at once.
import { discardPrelaunched, prelaunch } from './prelaunch.js';

await prelaunch(process.argv.slice(2), process.env);
const { processIo } = await import('./io.js');
const { runCli } = await import('./run-cli.js');
const code = await runCli(process.argv.slice(2), processIo());
await discardPrelaunched();
// Everything is written (on Linux, stdout and stderr writes to files, pipes and terminals are
// synchronous) and nothing else is pending: exit now instead of tearing the whole module graph
// down, which costs a `podkit up -d` tens of ms more on a busy machine.
process.exit(code);
