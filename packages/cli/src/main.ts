#!/usr/bin/env node
import { SPEC_PLACEHOLDER } from '@podkit/runtime';
process.stdout.write(`podkit ${String(SPEC_PLACEHOLDER)}\n`);
