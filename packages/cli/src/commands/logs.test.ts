import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliTestEnv, MAIN, REPO } from '../testing/cli-test-env.js';

// Far more output than a pipe buffers (64 KiB), so the writer notices when its reader closes.
const LINES = 100_000;
const CHATTY = `apiVersion: v1
kind: Pod
metadata:
  name: chatty
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: talk
      image: busybox:test
      command: [sh, -c, 'seq 1 ${LINES}; exec sleep 1000']
`;

/**
 * Runs the real bin with stdout into a pipe whose reader (this test) closes after the first
 * chunk, like `podkit logs … | head -1`; returns that chunk, the exit code and stderr.
 */
async function readFirstChunkThenClose(
  root: string,
  argv: readonly string[],
): Promise<{ first: string; code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=podkit-source', '--import', 'tsx', MAIN, '--root', root, ...argv],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    child.stdout.destroy();
    const [code] = (await exited) as [number | null];
    return { first: chunk.toString('utf8'), code, stderr };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

test('logs and logs -f end quietly (exit 0) when their reader closes early', async (t) => {
  const env = await cliTestEnv(t);
  const up = await env.run(['up', '-d', '-f', await env.manifest('chatty.yaml', CHATTY)]);
  assert.equal(up.code, 0, up.err());
  // Wait until the whole output reached the log file.
  let last = await env.run(['logs', 'chatty', '--tail', '1']);
  for (let i = 0; i < 600 && last.out() !== `${LINES}\n`; i++) {
    await sleep(100);
    last = await env.run(['logs', 'chatty', '--tail', '1']);
  }
  assert.equal(last.out(), `${LINES}\n`, last.err());

  for (const argv of [
    ['logs', 'chatty', '-c', 'talk'],
    ['logs', 'chatty', '-c', 'talk', '-f'],
  ]) {
    const r = await readFirstChunkThenClose(env.root, argv);
    assert.match(r.first, /^1\n/, argv.join(' '));
    assert.equal(r.stderr, '', argv.join(' '));
    assert.equal(r.code, 0, argv.join(' '));
  }
});
