import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureStateLayout, listPodRecords } from '@podkit/runtime';
import { discardPrelaunched, prelaunch, upStateRoot } from './prelaunch.js';
import { REPO, cliTestEnv } from './testing/cli-test-env.js';

const POD = (name: string): string => `apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - { name: one, image: busybox:test, command: [sleep, '1000'] }
`;

/** Processes whose command line contains `text` (a worker's argv ends with ROOT UID). */
async function processesWith(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(text)) pids.push(Number(name));
  }
  return pids;
}

async function waitFor(what: string, cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('upStateRoot: the root of a `podkit up` argv, nothing for other commands or help', () => {
  const env = { PODKIT_ROOT: '/srv/pk' };
  assert.equal(upStateRoot(['up', '-d', '-f', 'p.yaml'], {}), '/var/lib/podkit');
  assert.equal(upStateRoot(['up', '-f', 'p.yaml'], env), '/srv/pk');
  assert.equal(upStateRoot(['--root', '/r', 'up', '-f', 'p.yaml'], env), '/r');
  assert.equal(upStateRoot(['--root=/r2', '-n', 'up', 'up', '-f', 'x'], {}), '/r2');
  assert.equal(upStateRoot(['up', '-f', 'p.yaml', '--root', 'rel'], {}), path.resolve('rel'));
  assert.equal(upStateRoot(['-n', 'up', 'ps'], env), undefined);
  assert.equal(upStateRoot(['down', 'up'], env), undefined);
  assert.equal(upStateRoot(['up', '--help'], env), undefined);
  assert.equal(upStateRoot([], env), undefined);
});

test('a prelaunched worker runs the pod of `up`; after an invalid file it is gone with its dir', async (t) => {
  const env = await cliTestEnv(t);
  t.after(discardPrelaunched);
  const file = await env.manifest('pre.yaml', POD('pre'));
  // A state root without pods/ yet (first use): nothing is started or created on a guess.
  await prelaunch(['--root', env.root, 'up', '-d', '-f', file], {});
  await assert.rejects(access(env.layout.podsDir), { code: 'ENOENT' });
  await discardPrelaunched();
  await ensureStateLayout(env.layout);
  await prelaunch(['--root', env.root, 'up', '-d', '-f', file], {});
  const [uid] = await readdir(env.layout.podsDir);
  assert.ok(uid !== undefined, 'the prelaunched worker has its pod directory');
  assert.equal((await processesWith(`\0${uid}\0`)).length, 1, 'one worker waits for its pod');

  const up = await env.run(['up', '-d', '-f', file]);
  assert.equal(up.code, 0, up.err());
  const [rec] = await listPodRecords(env.layout);
  assert.equal(rec?.uid, uid, 'the pod took the prelaunched uid');
  assert.deepEqual(await processesWith(`\0${uid}\0`), [rec.worker?.pid], 'and its worker');

  // A file that never admits a pod: main.ts discards the unused worker after the command.
  const bad = await env.manifest('bad.yaml', POD('Bad_Name'));
  await prelaunch(['--root', env.root, 'up', '-d', '-f', bad], {});
  const spare = (await readdir(env.layout.podsDir)).find((d) => d !== uid);
  assert.ok(spare !== undefined);
  const failed = await env.run(['up', '-d', '-f', bad]);
  assert.equal(failed.code, 1);
  await discardPrelaunched();
  assert.deepEqual(await readdir(env.layout.podsDir), [uid]);
  assert.deepEqual(await processesWith(`\0${spare}\0`), []);
});

test('the real bin: `up -d` runs the pod; an admission failure leaves no worker or directory', async (t) => {
  const env = await cliTestEnv(t);
  await ensureStateLayout(env.layout);
  const ok = env.spawn(['up', '-d', '-f', await env.manifest('a.yaml', POD('a'))]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /pod\/a started/);
  const missing = await env.manifest('m.yaml', POD('m').replace('busybox:test', 'nope:1'));
  const r = env.spawn(['up', '-d', '-f', missing]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nothing was created/);
  const records = await listPodRecords(env.layout);
  assert.deepEqual(
    records.map((x) => x.name),
    ['a'],
  );
  assert.deepEqual(await readdir(env.layout.podsDir), [records[0]?.uid]);
  // Workers of this root (argv: … worker-main.ts ROOT UID): only the running pod's.
  assert.deepEqual(await processesWith(`worker-main.ts\0${env.root}\0`), [records[0]?.worker?.pid]);
});

test('a prelaunched worker whose CLI is killed removes its pod directory and exits', async (t) => {
  const env = await cliTestEnv(t);
  await ensureStateLayout(env.layout);
  const script = `
    import { prelaunch } from './packages/cli/src/prelaunch.ts';
    await prelaunch(['--root', ${JSON.stringify(env.root)}, 'up', '-f', 'x.yaml'], {});
    process.stdout.write('ready\\n');
    setInterval(() => undefined, 1000);
  `;
  const cli = spawn(
    process.execPath,
    ['--conditions=podkit-source', '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => cli.kill('SIGKILL'));
  await once(cli.stdout, 'data');
  const [uid] = await readdir(env.layout.podsDir);
  assert.ok(uid !== undefined);
  await waitFor('the worker', async () => (await processesWith(`\0${uid}\0`)).length === 1);
  cli.kill('SIGKILL');
  await waitFor('the worker to exit', async () => (await processesWith(`\0${uid}\0`)).length === 0);
  await waitFor(
    'its directory to go',
    async () => (await readdir(env.layout.podsDir)).length === 0,
  );
});
