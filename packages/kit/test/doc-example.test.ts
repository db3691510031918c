// Runs the complete example of docs/kit.md (test/fixtures/doc-example.ts) as a real bin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnFixture } from './spawn-fixture.js';

async function waitForStatus(url: string, status: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const res = await fetch(url);
    await res.text();
    if (res.status === status) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`${url} never answered ${status}`);
}

test('the docs/kit.md example: ready after a good run, /metrics, SIGTERM → exit 0', async (t) => {
  const fx = spawnFixture('doc-example.ts', [
    '--command=true',
    '--http-bind=127.0.0.1:0',
    '--period=50ms',
    '--token-file=/run/secret-token',
  ]);
  t.after(() => {
    fx.kill();
  });
  const listening = await fx.waitForMatch(/"msg":"listening"/);
  const { url } = JSON.parse(listening) as { url: string };
  await waitForStatus(`${url}/readyz`, 200);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /^check_runs_total\{status="success"\} [1-9]/m);
  assert.ok(!fx.stdout().includes('/run/secret-token'), 'the secret is not logged');
  assert.match(fx.stdout(), /"tokenFile":"\[redacted\]"/);

  fx.child.kill('SIGTERM');
  const { code } = await fx.exited;
  assert.equal(code, 0, fx.stderr());
});

test('the docs/kit.md example: a failing command → not ready with the reason; bad flag → 2', async (t) => {
  const fx = spawnFixture('doc-example.ts', ['--command=false', '--http-bind=127.0.0.1:0']);
  const bad = spawnFixture('doc-example.ts', ['--period=10']);
  t.after(() => {
    fx.kill();
    bad.kill();
  });
  const { url } = JSON.parse(await fx.waitForMatch(/"msg":"listening"/)) as { url: string };
  await fx.waitForMatch(/"msg":"check failed"/);
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 503);
  assert.equal(await ready.text(), 'not ready: false exited with code 1\n');
  fx.child.kill('SIGTERM');
  assert.equal((await fx.exited).code, 0);

  assert.equal((await bad.exited).code, 2);
  assert.equal(
    bad.stderr(),
    'podkit-check-sidecar: 2 configuration problems:\n' +
      '  --command (env CHECK_COMMAND) is required (the program and its arguments, one per flag)\n' +
      '  --period (env CHECK_PERIOD): got "10" from flag --period; expected a duration like 10s, 500ms or 1m30s (missing unit in duration "10" (did you mean 10s?))\n' +
      'hint: run with --help to see every option\n',
  );
});
