/**
 * How the Redis benchmarks start the ambassador: its built bin (`dist/main.js`, with `--dist`
 * on the command line; build it first: npm run build) or its source through tsx.
 */
import { fileURLToPath } from 'node:url';

/** Whether the benchmark was asked to run the built bin. */
export const DIST = process.argv.includes('--dist');

/** `node [NODE_ARGS] MAIN …` runs the ambassador. */
export const MAIN = fileURLToPath(
  new URL(
    DIST
      ? '../../packages/redis-ambassador/dist/main.js'
      : '../../packages/redis-ambassador/src/main.ts',
    import.meta.url,
  ),
);
export const NODE_ARGS = DIST ? [] : ['--conditions=podkit-source', '--import', 'tsx'];
