// The shipped bins, each bundled by esbuild from the tsc output (packages/*/dist) into its
// package's dist/bundle/: Node loads one file (and the chunks a configuration asks for)
// instead of hundreds of ES and CommonJS modules, which is most of a bin's start-up time and
// a good part of its memory (docs/benchmarks.md, pod start and footprint).
//
// - `podkit`: the CLI and the node agent (`podkit agent`), in packages/cli/dist/bundle/. Code
//   loaded on demand (the agent, registry pulls, image builds, kube export, probes) stays in
//   chunks loaded by the dynamic imports that ask for it.
// - the pattern containers: podkit-git-sync, podkit-redis-ambassador, podkit-metrics-adapter
//   and podkit-log-adapter, in packages/<package>/dist/bundle/<bin>.js. Self-contained: their
//   images (containers/*/Containerfile, `podkit image build-node`) need no node_modules.
//
// Run by `npm run build`, after tsc: `node --import tsx scripts/bundle.ts [package…]` bundles
// every bin, or only those of the packages named (`cli`, `git-sync`, `adapters`, …), as the
// Containerfiles do.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const common: BuildOptions = {
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
};

/**
 * kit loads pino and prom-client with `createRequire(import.meta.url)(name)` so that kit users
 * that never log or serve metrics do not pay for them; esbuild does not follow that call, and a
 * bundle must not need node_modules. As a plain `require(name)` esbuild bundles the package and
 * still runs it only on that first call (CommonJS modules are wrapped in lazy initialisers).
 */
const kitLazyRequires: Plugin = {
  name: 'kit-lazy-requires',
  setup(b) {
    b.onLoad({ filter: /[/\\]packages[/\\]kit[/\\]dist[/\\].*\.js$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace(
        /createRequire\(import\.meta\.url\)\((['"][^'"]+['"])\)/g,
        'require($1)',
      ),
      loader: 'js',
    }));
  },
};

/**
 * Parts of CommonJS dependencies a pattern container never uses, replaced by a stub that
 * throws if it ever is: pino's transports (worker threads, thread-stream: the containers log
 * synchronously to stdout/stderr), prom-client's Pushgateway (http, https, zlib) and its
 * cluster AggregatorRegistry. prom-client's CPU counter requires @opentelemetry/api only for
 * exemplars (off in every registry here), and loading it costs ~7 MiB of RSS: it gets an API
 * with no active span.
 */
const unusedParts: Plugin = {
  name: 'unused-parts',
  setup(b) {
    const stubs: [RegExp, RegExp, string][] = [
      [/^\.\/(lib\/)?transport$/, /[/\\]node_modules[/\\]pino[/\\]/, 'pino transports'],
      [
        /^\.\/lib\/pushgateway$/,
        /[/\\]node_modules[/\\]prom-client[/\\]/,
        'prom-client Pushgateway',
      ],
      [
        /^\.\/lib\/cluster$/,
        /[/\\]node_modules[/\\]prom-client[/\\]/,
        'prom-client AggregatorRegistry',
      ],
    ];
    b.onResolve({ filter: /^\.\/(lib\/)?(transport|pushgateway|cluster)$/ }, (args) => {
      const stub = stubs.find(([spec, from]) => spec.test(args.path) && from.test(args.importer));
      return stub === undefined ? undefined : { path: stub[2], namespace: 'unused-part' };
    });
    b.onResolve({ filter: /^@opentelemetry\/api$/ }, () => ({
      path: 'otel',
      namespace: 'no-otel',
    }));
    b.onLoad({ filter: /.*/, namespace: 'no-otel' }, () => ({
      contents:
        'module.exports = { trace: { getSpan: () => undefined }, context: { active: () => undefined } };',
      loader: 'js',
    }));
    b.onLoad({ filter: /.*/, namespace: 'unused-part' }, (args) => ({
      contents: `module.exports = function unused() { throw new Error(${JSON.stringify(`${args.path} are not in this bundle (scripts/bundle.ts)`)}); };`,
      loader: 'js',
    }));
  },
};

/**
 * commander requires node:child_process when it loads, for subcommands that are separate
 * executables (podkit has none); that module and its dependencies cost every `podkit` start
 * ~2 ms to compile. The CLI's bundle requires it at commander's first spawn instead.
 */
const commanderLazyChildProcess: Plugin = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onLoad(
      { filter: /[/\\]node_modules[/\\]commander[/\\]lib[/\\]command\.js$/ },
      async (args) => {
        const text = await readFile(args.path, 'utf8');
        const eager = "const childProcess = require('node:child_process');";
        if (!text.includes(eager))
          throw new Error(`bundle.ts: ${args.path} changed: no "${eager}"`);
        return {
          contents: text.replace(
            eager,
            "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };",
          ),
          loader: 'js',
        };
      },
    );
  },
};

/** The pattern containers' bins: package → bin name → tsc output of its main. */
const PATTERN_BINS: Record<string, Record<string, string>> = {
  'git-sync': { 'podkit-git-sync': 'main.js' },
  'redis-ambassador': { 'podkit-redis-ambassador': 'main.js' },
  adapters: {
    'podkit-metrics-adapter': 'metrics-main.js',
    'podkit-log-adapter': 'log-main.js',
  },
};

const only = process.argv.slice(2);
const wanted = (pkg: string): boolean => only.length === 0 || only.includes(pkg);
for (const pkg of only) {
  if (pkg !== 'cli' && PATTERN_BINS[pkg] === undefined) {
    throw new Error(`bundle.ts: no bins in package ${pkg}`);
  }
}

const builds: Promise<unknown>[] = [];
const cliOut = path.join(repo, 'packages/cli/dist/bundle');
if (wanted('cli')) {
  await rm(cliOut, { recursive: true, force: true });
  builds.push(
    build({
      ...common,
      // One entry: `podkit agent` runs the node agent from the same bin (agentArgv in
      // cli/src/agent-access.ts finds podkit.js beside the chunk it is in).
      entryPoints: { podkit: path.join(repo, 'packages/cli/dist/main.js') },
      outdir: cliOut,
      plugins: [commanderLazyChildProcess],
    }),
  );
}
for (const [pkg, bins] of Object.entries(PATTERN_BINS)) {
  if (!wanted(pkg)) continue;
  const dist = path.join(repo, 'packages', pkg, 'dist');
  const outdir = path.join(dist, 'bundle');
  await rm(outdir, { recursive: true, force: true });
  builds.push(
    build({
      ...common,
      entryPoints: Object.fromEntries(
        Object.entries(bins).map(([bin, main]) => [bin, path.join(dist, main)]),
      ),
      outdir,
      plugins: [kitLazyRequires, unusedParts],
    }),
  );
}
await Promise.all(builds);
