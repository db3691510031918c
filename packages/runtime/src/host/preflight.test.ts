import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { HostPreflightError, detectCgroupLayout, preflight } from './preflight.js';

test('preflight passes on this (set-up) host and finds the tools', async () => {
  const host = await preflight();
  assert.match(host.runc, /\/runc$/);
  assert.match(host.catatonit, /\/catatonit$/);
  assert.ok(['v1', 'hybrid', 'v2'].includes(host.cgroup));
});

test('preflight lists every problem at once, each with what to do', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-preflight-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'bridge'), '#!/bin/sh\n', { mode: 0o755 });
  await assert.rejects(
    preflight({ euid: 1000, searchPath: dir, cniPluginDir: dir, cgroupRoot: dir }),
    (err: unknown) => {
      assert.ok(err instanceof HostPreflightError);
      assert.equal(err.code, 'HOST_PREFLIGHT_FAILED');
      const codes = err.problems.map((p) => p.code);
      assert.equal(codes.filter((c) => c === 'HOST_NOT_ROOT').length, 1);
      assert.ok(codes.includes('HOST_CGROUP_UNSUPPORTED'));
      assert.match(err.message, /runc not found/);
      assert.match(err.message, /catatonit not found/);
      assert.match(err.message, /host-local, portmap, loopback missing/);
      assert.doesNotMatch(err.message, /bridge, /);
      assert.match(err.message, /bash scripts\/setup\.sh/);
      return true;
    },
  );
});

test('detectCgroupLayout tells v1, hybrid and v2 apart', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-cg-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const v2 = path.join(dir, 'v2');
  await mkdir(v2);
  await writeFile(path.join(v2, 'cgroup.controllers'), 'cpu memory\n');
  assert.equal(await detectCgroupLayout(v2), 'v2');
  const v1 = path.join(dir, 'v1');
  await mkdir(path.join(v1, 'memory'), { recursive: true });
  await writeFile(path.join(v1, 'memory', 'tasks'), '');
  assert.equal(await detectCgroupLayout(v1), 'v1');
  await mkdir(path.join(v1, 'unified'));
  await writeFile(path.join(v1, 'unified', 'cgroup.procs'), '');
  assert.equal(await detectCgroupLayout(v1), 'hybrid');
  assert.equal(await detectCgroupLayout(path.join(dir, 'none')), undefined);
  assert.equal(await detectCgroupLayout('/sys/fs/cgroup'), 'hybrid');
});
