import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { getImage } from '@podkit/runtime';
import { runCli } from '../run-cli.js';
import { capture } from '../testing/cli-test-env.js';

async function tempRoot(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-cli-image-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

async function podkit(root: string, argv: string[]) {
  const c = capture();
  const code = await runCli(['--root', root, ...argv], c.io);
  return { code, out: c.out(), err: c.err() };
}

test('image add --rootfs and --host, ls lists them, rm removes them', async (t) => {
  const root = await tempRoot(t);
  const rootfs = path.join(root, 'fs');
  await mkdir(rootfs);
  const a = await podkit(root, [
    'image',
    'add',
    'tools:1',
    '--rootfs',
    rootfs,
    '--entrypoint',
    '["sh","-c"]',
    '--cmd',
    '["echo hi"]',
    '--env',
    'A=1',
    '--env',
    'B=x=y',
    '--workdir',
    '/srv',
    '--user',
    '1000:1000',
    '--stop-signal',
    'quit',
  ]);
  assert.equal(a.code, 0, a.err);
  assert.equal(a.out, `image/tools:1 added (rootfs ${rootfs})\n`);
  const b = await podkit(root, [
    'image',
    'add',
    'nginx',
    '--host',
    '--entrypoint',
    '["nginx","-g","daemon off;"]',
  ]);
  assert.equal(b.code, 0, b.err);

  const stored = await getImage(root, 'docker.io/library/tools:1');
  assert.deepEqual(stored?.config, {
    entrypoint: ['sh', '-c'],
    cmd: ['echo hi'],
    env: ['A=1', 'B=x=y'],
    workingDir: '/srv',
    user: '1000:1000',
    stopSignal: 'SIGQUIT',
  });

  const ls = await podkit(root, ['image', 'ls']);
  assert.equal(ls.code, 0, ls.err);
  const rows = ls.out
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/ {3,}/));
  // CREATED is the record's age ("1 second ago"): checked by pattern, the rest exactly.
  assert.match(rows[1]?.[4] ?? '', /^\d+ seconds? ago$/);
  assert.match(rows[2]?.[4] ?? '', /^\d+ seconds? ago$/);
  assert.deepEqual(
    rows.map((r) => r.filter((_, i) => i !== 4)),
    [
      ['NAME', 'KIND', 'ID', 'SIZE', 'ENTRYPOINT', 'CMD'],
      ['nginx:latest', 'host', '-', '-', '["nginx","-g","daemon off;"]'],
      ['tools:1', `rootfs:${rootfs}`, '-', '-', '["sh","-c"]', '["echo hi"]'],
    ],
  );

  const rm1 = await podkit(root, ['image', 'rm', 'tools:1', 'nginx']);
  assert.equal(rm1.code, 0, rm1.err);
  assert.equal(await getImage(root, 'tools:1'), undefined);
  assert.deepEqual(await readdir(rootfs), [], 'the rootfs directory itself is left alone');
  const empty = await podkit(root, ['image', 'ls']);
  assert.equal(empty.out, '');
  const again = await podkit(root, ['image', 'rm', 'nginx']);
  assert.equal(again.code, 1);
  assert.match(again.err, /no local image named "nginx"/);
});

test('image add: bad flags are usage errors (exit 2) naming the flag; nothing is stored', async (t) => {
  const root = await tempRoot(t);
  const cases: [string[], RegExp][] = [
    [['--host', '--entrypoint', '[nginx'], /--entrypoint: not valid JSON/],
    [['--host', '--entrypoint', '"nginx"'], /--entrypoint: expected a JSON array of strings/],
    [['--host', '--cmd', '[1,2]'], /--cmd: expected a JSON array of strings/],
    [['--host', '--env', 'NOVALUE'], /--env: expected KEY=VALUE/],
    [['--host', '--workdir', 'rel'], /--workdir: must be an absolute path/],
    [[], /exactly one of --host or --rootfs/],
    [['--host', '--rootfs', root], /exactly one of --host or --rootfs/],
  ];
  for (const [flags, message] of cases) {
    const r = await podkit(root, ['image', 'add', 'x', ...flags]);
    assert.equal(r.code, 2, flags.join(' '));
    assert.match(r.err, message, flags.join(' '));
  }
  assert.equal(await getImage(root, 'x'), undefined);
  const missing = await podkit(root, ['image', 'add', 'x', '--rootfs', path.join(root, 'nope')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /does not exist or is not a directory/);
});
