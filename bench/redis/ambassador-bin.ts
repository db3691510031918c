/**
 * How the Redis benchmarks start the ambassador: its shipped bin (the bundle `dist/bundle/podkit-redis-ambassador.js`, with `--dist`
 * on the command line; build it first: npm run build) or its source through tsx.
 */
import { fileURLToPath } from 'node:url';
import { imageNodeOptions } from '../lib/shipped.js';

/** Whether the benchmark was asked to run the built bin. */
export const DIST = process.argv.includes('--dist');

/** `node [NODE_ARGS] MAIN …` runs the ambassador. */
export const MAIN = fileURLToPath(
  new URL(
    DIST
      ? '../../packages/redis-ambassador/dist/bundle/podkit-redis-ambassador.js'
      : '../../packages/redis-ambassador/src/main.ts',
    import.meta.url,
  ),
);
export const NODE_ARGS = DIST ? [] : ['--conditions=podkit-source', '--import', 'tsx'];

/**
 * The environment the ambassador gets: with --dist, its image's NODE_OPTIONS (the V8 memory
 * flags of containers/redis-ambassador/Containerfile), so the figures are the image's, unless
 * --no-image-flags (to measure what the flags cost).
 */
export const AMBASSADOR_ENV: NodeJS.ProcessEnv =
  DIST && !process.argv.includes('--no-image-flags')
    ? { ...process.env, NODE_OPTIONS: await imageNodeOptions('redis-ambassador') }
    : process.env;
