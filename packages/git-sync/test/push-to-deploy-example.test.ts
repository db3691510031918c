import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { freeHostPorts } from '@podkit/runtime/testing';
import { makeRemote } from './helpers/git-remote.js';
import { REPO_ROOT, gitSyncPodkit } from './helpers/podkit-pod.js';
import { until } from './helpers/until.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples/push-to-deploy');

function replaceOnce(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `app.yaml no longer contains ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

test('examples/push-to-deploy end to end (its Deployment and Service): served, a push reaches the page through the webhook, 0 non-200 while polling, the Service name serves it inside the pod network', async (t) => {
  const { podkit, up } = await gitSyncPodkit(t, 'ghcr.io/podkit/git-sync:0.1.0');
  const remote = await makeRemote();
  t.after(() => remote.cleanup());
  // Host ports below the ephemeral range: a port-0 port there can be taken by another test's
  // connection before the pod publishes it.
  const [webPort = 0, hookPort = 0] = await freeHostPorts(2);
  // The example as written, but with this test's repository and free host ports, and a 1 h
  // period: only the webhook (called by the repository's post-receive hook) can sync in time.
  let manifest = await fs.readFile(path.join(EXAMPLE, 'app.yaml'), 'utf8');
  manifest = replaceOnce(manifest, 'path: /srv/podkit-demo/site.git', `path: ${remote.bare}`);
  manifest = replaceOnce(manifest, 'hostPort: 29080', `hostPort: ${webPort}`);
  manifest = replaceOnce(manifest, 'hostPort: 29081', `hostPort: ${hookPort}`);
  manifest = replaceOnce(manifest, '--period=10s', '--period=1h');

  await fs.copyFile(
    path.join(EXAMPLE, 'post-receive'),
    path.join(remote.bare, 'hooks/post-receive'),
  );
  await fs.chmod(path.join(remote.bare, 'hooks/post-receive'), 0o755);
  await remote.git(
    ['config', 'podkit.webhookUrl', `http://127.0.0.1:${hookPort}/webhook`],
    remote.bare,
  );
  await remote.git(['config', 'podkit.webhookToken', 'push-to-deploy-demo-token'], remote.bare);
  await remote.commit({ 'index.html': '<h1>version 1</h1>\n' });

  await podkit(
    'image',
    'add',
    'docker.io/library/nginx:1.22',
    '--host',
    '--entrypoint',
    JSON.stringify(['nginx', '-g', 'daemon off; error_log stderr;']),
    '--stop-signal',
    'SIGQUIT',
  );
  await up(manifest);

  const page = `http://127.0.0.1:${webPort}/`;
  const get = async (url: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.text()).trim() };
  };
  await until(
    async () => ((await get(page)).body === '<h1>version 1</h1>' ? true : undefined),
    'version 1',
  );
  assert.equal((await get(`${page}.git`)).status, 404, 'dotfiles are never served');

  // Two pollers hammer the page while the push is published.
  const seen: { status: number; body: string }[] = [];
  const poll = { on: true };
  const poller = async (): Promise<void> => {
    while (poll.on)
      seen.push(await get(page).catch((e: unknown) => ({ status: 0, body: String(e) })));
  };
  const pollers = [poller(), poller()];
  const v2 = await remote.commit({ 'index.html': '<h1>version 2</h1>\n' });
  await until(
    () => Promise.resolve(seen.some((r) => r.body === '<h1>version 2</h1>') ? true : undefined),
    'version 2 on the page (period is 1 h: only the webhook can do it)',
    { timeoutMs: 30_000 },
  );
  const after = seen.length;
  await until(() => Promise.resolve(seen.length > after + 50 ? true : undefined), 'more requests');
  poll.on = false;
  await Promise.all(pollers);

  const bad = seen.filter((r) => r.status !== 200);
  assert.deepEqual(bad, [], 'every response is a 200');
  const bodies = new Set(seen.map((r) => r.body));
  assert.deepEqual([...bodies].sort(), ['<h1>version 1</h1>', '<h1>version 2</h1>']);
  const { stdout } = await podkit('logs', 'deploy/push-to-deploy', '-c', 'git-sync');
  assert.match(stdout, new RegExp(`"published","sha":"${v2}"`));
  // The Service `push-to-deploy` by its name, from inside the pod network (cluster DNS →
  // ClusterIP → the pod), as the README shows. Its endpoints follow the pod's readiness
  // through the agent's Service sync, so the first answer is waited for (bounded).
  const viaService = (): Promise<string> =>
    podkit(
      'exec',
      'deploy/push-to-deploy',
      '-c',
      'git-sync',
      '--',
      'node',
      '-e',
      'fetch("http://push-to-deploy/").then(async (r) => console.log(r.status, (await r.text()).trim()))',
    ).then((r) => r.stdout);
  const asked = performance.now();
  await until(
    async () => ((await viaService()) === '200 <h1>version 2</h1>\n' ? true : undefined),
    'the page through http://push-to-deploy/ inside the pod',
  );
  t.diagnostic(`the Service answered ${(performance.now() - asked).toFixed(0)} ms after asked`);
});
