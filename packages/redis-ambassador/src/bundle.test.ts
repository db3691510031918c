// The shipped bins are esbuild bundles (scripts/bundle.ts; package.json `bin`, the images):
// this file checks they are self-contained, then runs the bin tests (main) again against them
// (PODKIT_TEST_BIN=bundle: binArgv starts the bundle instead of the sources). `npm run build`
// first.
import { test } from 'node:test';
import { checkShippedBundles } from '../../kit/test/bin-under-test.js';

process.env['PODKIT_TEST_BIN'] = 'bundle';

// Imported before this file's own test is declared: with --test-force-exit (no longer used: scripts/test-exit-guard.ts), tests registered
// after the first one finished (an import still loading under load) would never run.
await import('./main.test.js');

test('the package bins are bundles that run without node_modules', () =>
  checkShippedBundles('redis-ambassador'));
