// The shipped `podkit` bin is the esbuild bundle (scripts/bundle.ts, run by `npm run build`):
// CLI and node agent in packages/cli/dist/bundle/. Everything else tests podkit from its
// sources; this runs a pod through the bundle, so a broken bundle (a chunk that cannot load, an
// agent not started from the bundle, a CommonJS dependency that cannot require) fails here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { AgentClient } from '@podkit/agent/client';
import { isProcessAlive, processIdentity } from '@podkit/runtime';
import { REPO, cliTestEnv } from './testing/cli-test-env.js';

const BUNDLE = path.join(REPO, 'packages', 'cli', 'dist', 'bundle', 'podkit.js');

function bin(root: string, argv: readonly string[]) {
  const r = spawnSync(process.execPath, [BUNDLE, '--root', root, ...argv], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the bundled bin runs a pod: its agent from the bundle, exec, exit codes, lazy chunks, down', async (t) => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run \`npm run build\` first`);
  const bin0 = JSON.parse(await readFile(path.join(REPO, 'packages/cli/package.json'), 'utf8')) as {
    bin: { podkit: string };
  };
  assert.equal(path.resolve(REPO, 'packages/cli', bin0.bin.podkit), BUNDLE, 'package bin');

  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'bundled.yaml',
    `apiVersion: v1
kind: Pod
metadata: { name: bundled }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: busybox:test
      command: [sh, -c, 'echo hello from the bundle; exec sleep 3600']
`,
  );
  const up = bin(env.root, ['up', '-d', '-f', file, '--timeout', '2m']);
  assert.equal(up.status, 0, up.stderr);

  // The agent `up` started is the bundled bin itself (`podkit … agent`), not the tsc output.
  const { pid } = await new AgentClient(env.root).info();
  const agent = await processIdentity(pid);
  assert.ok(agent !== undefined, 'the agent runs');
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  assert.deepEqual(argv.slice(1, 5), [BUNDLE, '--root', env.root, 'agent']);

  const ps = bin(env.root, ['ps']);
  assert.equal(ps.status, 0, ps.stderr);
  assert.match(ps.stdout, /bundled\s.*Running/);
  const exec = bin(env.root, ['exec', 'bundled', '--', 'sh', '-c', 'exit 7']);
  assert.equal(exec.status, 7, exec.stderr);
  let logs = bin(env.root, ['logs', 'bundled']);
  for (let i = 0; i < 100 && !logs.stdout.includes('hello'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    logs = bin(env.root, ['logs', 'bundled']);
  }
  assert.equal(logs.stdout, 'hello from the bundle\n', logs.stderr);
  // Commands whose code sits in chunks loaded on demand (kube export → kubernetes-models).
  const exported = bin(env.root, ['kube', 'export', '-f', file, '--as', 'deployment']);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /^kind: Deployment$/m);
  // A user mistake is a message, not a stack trace, from the bundle as from the sources.
  const bad = bin(env.root, ['up', '-f', path.join(env.root, 'missing.yaml')]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /missing\.yaml/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);

  const down = bin(env.root, ['down', 'bundled']);
  assert.equal(down.status, 0, down.stderr);
  const stop = bin(env.root, ['agent', 'stop']);
  assert.equal(stop.status, 0, stop.stderr);
  assert.equal(await isProcessAlive(agent), false, 'the agent is gone');
});

/** The bundle's files Node loads before `podkit` runs: the entry and what it imports statically. */
async function startupFiles(): Promise<Map<string, string>> {
  const dir = path.dirname(BUNDLE);
  const files = new Map<string, string>();
  const load = async (name: string): Promise<void> => {
    if (files.has(name)) return;
    const text = await readFile(path.join(dir, name), 'utf8');
    files.set(name, text);
    // esbuild's output (whitespace minified): `import{a,b}from"./chunk-X.js"`, `import"./x.js"`;
    // `import("./x.js")` (on demand) does not match.
    for (const m of text.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g))
      if (m[1] !== undefined) await load(m[1]);
  };
  await load(path.basename(BUNDLE));
  return files;
}

test("the bundled CLI's start loads no YAML parser and no manifest validation: up sends the text to the agent", async () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run \`npm run build\` first`);
  const dir = path.dirname(BUNDLE);
  // Markers of the yaml package and of the runtime's spec model (names survive the bundle).
  const markers = [/\bYAMLParseError\b/, /function parseManifests\(/, /function readPodSpec\(/];
  const all = await Promise.all(
    (await readdir(dir))
      .filter((f) => f.endsWith('.js'))
      .map(async (f) => readFile(path.join(dir, f), 'utf8')),
  );
  for (const marker of markers)
    assert.ok(
      all.some((text) => marker.test(text)),
      `${String(marker)} is in no chunk: the marker is stale`,
    );
  const startup = await startupFiles();
  for (const [name, text] of startup)
    for (const marker of markers)
      assert.doesNotMatch(
        text,
        marker,
        `${name} is loaded at start (statically imported by podkit.js) and holds ${String(marker)}: import it with import(), or from @podkit/runtime/spec (a value exported by @podkit/runtime is loaded at start)`,
      );
});
