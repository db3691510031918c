#!/usr/bin/env node
import { runMain } from '@podkit/kit';
import { gitSyncProgram } from './program.js';

void runMain(gitSyncProgram(process.argv.slice(2), process.env), { name: 'podkit-git-sync' });
