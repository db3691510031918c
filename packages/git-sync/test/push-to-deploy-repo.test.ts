import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeHostPort } from '@podkit/runtime/testing';
import { REPO_ROOT } from './helpers/podkit-pod.js';

/*
 * examples/push-to-deploy's repository as scripts/demo.sh makes it (make-repo.sh), then the
 * README's by-hand git steps as typed, on a machine with no git identity of its own (a fresh
 * HOME, no system config) and no pod up (nothing listens at the webhook's port).
 */

const run = promisify(execFile);
const EXAMPLE = path.join(REPO_ROOT, 'examples/push-to-deploy');

test("push-to-deploy's repository: the first push calls no webhook; the README's by-hand commit and push work without a git identity, and the hook says why nothing answered", async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'podkit-ptd-repo-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const home = path.join(dir, 'home');
  await fs.mkdir(home);
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    LC_ALL: 'C',
  };
  const demo = path.join(dir, 'podkit-demo');
  // A port nothing listens on: the pod is not up.
  const url = `http://127.0.0.1:${String(await freeHostPort())}/webhook`;
  const made = await run('bash', [path.join(EXAMPLE, 'make-repo.sh'), demo, url], { env });
  assert.doesNotMatch(`${made.stdout}${made.stderr}`, /webhook/, 'the first push called the hook');

  // The README's "By hand" git lines, in order, with the demo's directory.
  const readme = await fs.readFile(path.join(EXAMPLE, 'README.md'), 'utf8');
  const byHand = readme.slice(readme.indexOf('## By hand'));
  const steps = byHand
    .split('\n')
    .filter((l) => /^# (echo |git )/.test(l))
    .map((l) => l.slice(2).replaceAll('/srv/podkit-demo', demo));
  assert.equal(steps.length, 2, `the README's git steps changed: ${steps.join(' | ')}`);
  // From the repository, as the README's other steps (no `cd`: `podkit down -f examples/…`
  // comes next).
  const typed = await run('sh', ['-ec', steps.join('\n')], { env, cwd: REPO_ROOT });
  assert.match(
    typed.stderr,
    new RegExp(`remote: webhook: no sidecar listens at ${url} \\(is the pod up\\?\\)`),
  );
  assert.doesNotMatch(typed.stderr, /not reachable/);
  const { stdout: page } = await run(
    'git',
    ['-C', path.join(demo, 'site.git'), 'show', 'main:index.html'],
    {
      env,
    },
  );
  assert.equal(page, '<h1>hello</h1>\n');
});
