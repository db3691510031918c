import assert from 'node:assert/strict';
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { freeHostPorts } from '@podkit/runtime/testing';
import { REPO, cliTestEnv } from './testing/cli-test-env.js';
import { ReadmeSession } from './testing/readme-session.js';
import { missingOutput, readmeBlocks } from './testing/readme-steps.js';
import { copyExample, substitute, type Substitutions } from './testing/readme-substitutions.js';

/*
 * Issue 20: every README step works when typed as written, right after the previous one.
 * Each example README's shell blocks (the convention is in testing/readme-steps.ts) run in
 * one bash, in order, from the repository, with `podkit` on PATH as after scripts/setup.sh —
 * a wrapper running the built bundle on a state root and pod bridge of the test's own
 * (cliTestEnv). Only the fixed values the README names (host ports, demo directories, the
 * bridge's gateway) are replaced, by free ones: in the commands, in the output they expect,
 * and in a copy of the example's folder that the README's `examples/<name>/` then names.
 * Every step must exit 0 and print the output the README shows.
 */

const BUNDLE = path.join(REPO, 'packages/cli/dist/bundle/podkit.js');
/** A bound against hanging per step (`up --wait` waits up to 2 m), not a timing check. */
const STEP_TIMEOUT_MS = 150_000;

interface ReadmeRun {
  /** The README, relative to the repository. */
  readme: string;
  /** The example folder its `examples/<name>/` paths point at (a substituted copy). */
  example?: string;
  subs: Substitutions;
  env?: Record<string, string>;
  /** Run after the session, even on failure (things the README's last steps would stop). */
  cleanup?: string;
}

async function runReadme(
  t: TestContext,
  make: (ctx: { tmp: string; subnet: string; bridge: string }) => Promise<ReadmeRun>,
): Promise<void> {
  await access(BUNDLE).catch(() => {
    assert.fail(`${BUNDLE} is missing: run npm run build (scripts/setup.sh does)`);
  });
  // Registered first, so its t.after (every pod down, the agent stopped, the bridge gone)
  // runs before this test's own (the shell and its jobs, cleanup, the temp directory).
  const env = await cliTestEnv(t);
  const network = JSON.parse(await readFile(path.join(env.root, 'network.json'), 'utf8')) as {
    bridge: string;
    subnet: string;
  };
  const tmp = await mkdtemp(path.join(tmpdir(), 'podkit-readme-'));
  // What the clean-up needs, as far as the test got.
  const made: { session?: ReadmeSession; cleanup?: string } = {};
  const sessionEnv: NodeJS.ProcessEnv = {};
  t.after(async () => {
    await made.session?.close();
    if (made.cleanup !== undefined) {
      const last = new ReadmeSession({ cwd: REPO, env: sessionEnv, dir: tmp });
      await last.run(made.cleanup, 60_000);
      await last.close();
    }
    await rm(tmp, { recursive: true, force: true });
  });
  const run = await make({ tmp, subnet: network.subnet, bridge: network.bridge });
  if (run.cleanup !== undefined) made.cleanup = run.cleanup;

  // `podkit` as a user has it, on this test's state root.
  const bin = path.join(tmp, 'bin');
  await mkdir(bin);
  await mkdir(path.join(tmp, 'home'));
  await writeFile(
    path.join(bin, 'podkit'),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BUNDLE)} --root ${JSON.stringify(env.root)} "$@"\n`,
  );
  await chmod(path.join(bin, 'podkit'), 0o755);
  const used = new Set<string>();
  const subs: (readonly [string, string])[] = [...run.subs];
  if (run.example !== undefined) {
    const copy = path.join(tmp, 'examples', run.example);
    await copyExample(path.join(REPO, 'examples', run.example), copy, run.subs, used);
    subs.push([`examples/${run.example}/`, `${copy}/`]);
  }
  Object.assign(sessionEnv, {
    PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    HOME: path.join(tmp, 'home'),
    // Anything that runs the bundle itself lands on the test's root too.
    PODKIT_ROOT: env.root,
    GIT_CONFIG_NOSYSTEM: '1',
    NO_COLOR: '1',
    LANG: 'C.UTF-8',
    ...run.env,
  });
  const session = new ReadmeSession({ cwd: REPO, env: sessionEnv, dir: tmp });
  made.session = session;

  const text = await readFile(path.join(REPO, run.readme), 'utf8');
  let steps = 0;
  for (const block of readmeBlocks(text)) {
    if (block.mark?.kind === 'skip') continue;
    for (const step of block.steps) {
      const command = substitute(step.command, subs, used);
      const where = `${run.readme}:${step.line}: ${command}`;
      const result = await session.run(command, STEP_TIMEOUT_MS);
      steps++;
      assert.equal(
        result.status,
        0,
        `${where}\nexited ${String(result.status)}; its output:\n${result.output}`,
      );
      if (block.mark?.kind === 'output varies') continue;
      const expected = step.expected.map((l) => substitute(l, subs, used));
      assert.deepEqual(
        missingOutput(expected, result.output),
        [],
        `${where}\ndid not print the README's lines above; its output:\n${result.output}`,
      );
    }
  }
  assert.ok(steps > 0, `${run.readme}: no step ran`);
  // A value the README (or its example) no longer names is a stale substitution.
  const stale = run.subs.map(([from]) => from).filter((from) => !used.has(from));
  assert.deepEqual(stale, [], `${run.readme}: substitutions that matched nothing`);
}

test('examples/push-to-deploy/README.md, typed in order', async (t) => {
  await runReadme(t, async ({ tmp }) => {
    const [web = 0, hook = 0] = await freeHostPorts(2);
    return {
      readme: 'examples/push-to-deploy/README.md',
      example: 'push-to-deploy',
      subs: [
        ['29080', String(web)],
        ['29081', String(hook)],
        ['/srv/podkit-demo', path.join(tmp, 'podkit-demo')],
      ],
    };
  });
});

test('examples/redis-ambassador/README.md, typed in order', async (t) => {
  await runReadme(t, async () => {
    // The whole app runs in pods on the test's own bridge: only the host ports are fixed.
    const [web = 0, metrics = 0, dev = 0] = await freeHostPorts(3);
    return {
      readme: 'examples/redis-ambassador/README.md',
      example: 'redis-ambassador',
      subs: [
        ['29180', String(web)],
        ['29121', String(metrics)],
        ['29181', String(dev)],
      ],
    };
  });
});

test('examples/monitoring-adapter/README.md, typed in order', async (t) => {
  await runReadme(t, async () => {
    // Prometheus runs in a pod too: only the two host ports (the site, Prometheus) are fixed.
    const [site = 0, prometheus = 0] = await freeHostPorts(2);
    return {
      readme: 'examples/monitoring-adapter/README.md',
      example: 'monitoring-adapter',
      subs: [
        ['29280', String(site)],
        ['29290', String(prometheus)],
      ],
    };
  });
});

test("the top README's blocks are all marked (they run the demo and the whole suite)", async () => {
  const blocks = readmeBlocks(await readFile(path.join(REPO, 'README.md'), 'utf8'));
  assert.ok(blocks.length > 0);
  for (const b of blocks) assert.equal(b.mark?.kind, 'skip', `README.md:${b.line} runs`);
});
