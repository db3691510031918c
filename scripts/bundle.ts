// The `podkit` bin as shipped: the CLI and the node agent bundled by esbuild from the tsc
// output (packages/*/dist) into packages/cli/dist/bundle/. Node loads two files instead of
// ~250 ES modules, which is most of a `podkit up -d`'s own time (docs/benchmarks.md, pod start).
// Code loaded on demand (registry pulls, image builds, kube export, probes) stays in chunks
// loaded by the dynamic imports that ask for it. Run by `npm run build`, after tsc.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(repo, 'packages/cli/dist/bundle');

await rm(outdir, { recursive: true, force: true });
await build({
  // One entry: `podkit agent` runs the node agent from the same bin (agentArgv in
  // cli/src/agent-access.ts finds podkit.js beside the chunk it is in).
  entryPoints: {
    podkit: path.join(repo, 'packages/cli/dist/main.js'),
  },
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Whitespace and syntax only: names stay, so stack traces of bugs stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  // CommonJS dependencies (commander, pino, …) call require() for Node's modules.
  banner: {
    js: "import { createRequire as __podkitRequire } from 'node:module'; const require = __podkitRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
