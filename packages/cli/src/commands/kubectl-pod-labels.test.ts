import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freeHostPort } from '@podkit/runtime/testing';
import { cliTestEnv } from '../testing/cli-test-env.js';
import { kubectlWith } from '../testing/kubectl.js';
import { until } from '../testing/until.js';

// The real kubectl changing a running pod's labels and annotations (`label`, `annotate`, an
// apply of an edited manifest), as the API server lets it: the pod runs on, selectors, watches
// and Services' endpoints follow; its spec stays immutable.

const POD = (labels: string, command = 'exec sleep 1000') => `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: { ${labels} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: busybox:test
      command: [sh, -c, '${command}']
      ports: [{ containerPort: 8080 }]
`;

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: front
spec:
  selector: { tier: x }
  ports: [{ port: 80, targetPort: 8080 }]
`;

test('kubectl: label, annotate and apply change a running pod in place', async (t) => {
  const env = await cliTestEnv(t);
  const port = await freeHostPort();
  await writeFile(path.join(env.root, 'agent.json'), JSON.stringify({ apiPort: port }));
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-kubectl-labels-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const kc = await env.run(['kubeconfig']);
  assert.equal(kc.code, 0, kc.err());
  const kubeconfig = path.join(dir, 'config');
  await writeFile(kubeconfig, kc.out(), { mode: 0o600 });
  const kubectl = kubectlWith(kubeconfig, path.join(dir, 'cache'));

  const podFile = path.join(dir, 'web.yaml');
  const svcFile = path.join(dir, 'front.yaml');
  await writeFile(podFile, POD('app: web'));
  await writeFile(svcFile, SERVICE);
  t.after(async () => {
    await kubectl(['delete', 'pod', 'web', '--ignore-not-found', '--grace-period=0', '--force']);
    await kubectl(['delete', 'service', 'front', '--ignore-not-found']);
  });
  const created = await kubectl(['apply', '-f', podFile, '-f', svcFile]);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'pod/web created\nservice/front created\n');
  const ready = await kubectl(['wait', '--for=condition=Ready', 'pod/web', '--timeout=90s']);
  assert.equal(ready.code, 0, ready.stderr);
  const attempt = async (): Promise<string> =>
    (
      await kubectl([
        'get',
        'pod',
        'web',
        '-o',
        'jsonpath={.status.containerStatuses[0].containerID} {.status.containerStatuses[0].state.running.startedAt} {.status.containerStatuses[0].restartCount}',
      ])
    ).stdout;
  const first = await attempt();
  assert.match(first, /^\S+ \S+ 0$/);
  const endpoints = async (): Promise<string> =>
    (await kubectl(['get', 'endpoints', 'front', '--no-headers'])).stdout;
  assert.match(await endpoints(), /^front\s+<none>\s+\S+\n$/);

  await t.test(
    'kubectl label: the pod runs on, -l and a watch see it, the Service gets it',
    async (tt) => {
      const watch = kubectl.follow(['get', 'pods', '-w', '-L', 'tier', '--no-headers'], tt);
      await until(
        () =>
          Promise.resolve(/^web\s+1\/1\s+Running\s+0\s+\S+\s*$/m.test(watch.out()) || undefined),
        'the watch to list web',
      );
      const rvBefore = (
        await kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.metadata.resourceVersion}'])
      ).stdout;
      const labeled = await kubectl(['label', 'pod', 'web', 'tier=x']);
      assert.equal(labeled.code, 0, labeled.stderr);
      assert.equal(labeled.stdout, 'pod/web labeled\n');
      const rvAfter = (
        await kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.metadata.resourceVersion}'])
      ).stdout;
      assert.ok(BigInt(rvAfter) > BigInt(rvBefore), `${rvBefore} → ${rvAfter}`);
      const selected = await kubectl(['get', 'pods', '-l', 'tier=x', '-o', 'name']);
      assert.equal(selected.stdout, 'pod/web\n', selected.stderr);
      await until(
        () =>
          Promise.resolve(
            /^web\s+1\/1\s+Running\s+0\s+\S+\s+x\s*$/m.test(watch.out()) || undefined,
          ),
        'the watch to show the new label (MODIFIED)',
      );
      const eps = await until(async () => {
        const e = await endpoints();
        return /:8080/.test(e) ? e : undefined;
      }, 'the pod in the endpoints of front');
      assert.match(eps, /^front\s+\d+\.\d+\.\d+\.\d+:8080\s+\S+\n$/);
      // A stale resourceVersion is a conflict, and changes nothing.
      const stale = await kubectl([
        'label',
        'pod',
        'web',
        'other=1',
        `--resource-version=${rvBefore}`,
      ]);
      assert.notEqual(stale.code, 0);
      assert.match(stale.stderr, /the object has been modified/);
      assert.equal(
        (await kubectl(['get', 'pods', '-l', 'other', '-o', 'name'])).stdout,
        '',
        'the conflicting label was not set',
      );
      assert.equal(await attempt(), first, 'the same container, started once');
    },
  );

  await t.test('kubectl annotate, and label KEY- removes it again', async () => {
    const annotated = await kubectl(['annotate', 'pod', 'web', 'note=y']);
    assert.equal(annotated.code, 0, annotated.stderr);
    assert.equal(annotated.stdout, 'pod/web annotated\n');
    const note = await kubectl([
      'get',
      'pod',
      'web',
      '-o',
      'jsonpath={.metadata.annotations.note}',
    ]);
    assert.equal(note.stdout, 'y');
    // kubectl patch (a merge patch) and kubectl replace (a PUT of the whole object) too.
    const patched = await kubectl([
      'patch',
      'pod',
      'web',
      '--type=merge',
      '-p',
      '{"metadata":{"annotations":{"note":"z"}}}',
    ]);
    assert.equal(patched.code, 0, patched.stderr);
    assert.equal(patched.stdout, 'pod/web patched\n');
    const live = JSON.parse((await kubectl(['get', 'pod', 'web', '-o', 'json'])).stdout) as {
      metadata: { annotations: Record<string, string> };
    };
    live.metadata.annotations.replaced = 'yes';
    const replaced = await kubectl(['replace', '-f', '-'], { input: JSON.stringify(live) });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(replaced.stdout, 'pod/web replaced\n');
    const notes = await kubectl([
      'get',
      'pod',
      'web',
      '-o',
      'jsonpath={.metadata.annotations.note} {.metadata.annotations.replaced}',
    ]);
    assert.equal(notes.stdout, 'z yes');
    const unlabeled = await kubectl(['label', 'pod', 'web', 'tier-']);
    assert.equal(unlabeled.code, 0, unlabeled.stderr);
    assert.equal(unlabeled.stdout, 'pod/web unlabeled\n');
    const selected = await kubectl(['get', 'pods', '-l', 'tier=x', '-o', 'name']);
    assert.equal(selected.stdout, '');
    const labels = await kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.metadata.labels}']);
    assert.equal(labels.stdout, '{"app":"web"}');
    await until(
      async () => (/^front\s+<none>/.test(await endpoints()) ? true : undefined),
      'the pod to leave the endpoints of front',
    );
    assert.equal(await attempt(), first, 'the same container, started once');
  });

  await t.test('kubectl apply: a changed label is configured, a changed spec is 422', async () => {
    await writeFile(podFile, POD('app: web, tier: x'));
    const applied = await kubectl(['apply', '-f', podFile]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout, 'pod/web configured\n');
    const selected = await kubectl(['get', 'pods', '-l', 'tier=x', '-o', 'name']);
    assert.equal(selected.stdout, 'pod/web\n');
    const again = await kubectl(['apply', '-f', podFile]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'pod/web unchanged\n');
    await until(
      async () => (/:8080/.test(await endpoints()) ? true : undefined),
      'the pod back in the endpoints of front',
    );

    // A label the API server refuses: 422 naming it, nothing changed.
    await writeFile(podFile, POD('app: web, tier: "not valid!"'));
    const bad = await kubectl(['apply', '-f', podFile]);
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /The Pod "web" is invalid: metadata\.labels\.tier: Invalid value: label value must consist of/,
    );

    await writeFile(podFile, POD('app: web, tier: z', 'exec sleep 2000'));
    const spec = await kubectl(['apply', '-f', podFile]);
    assert.notEqual(spec.code, 0);
    assert.match(
      spec.stderr,
      /The Pod "web" is invalid: spec: Forbidden: podkit does not change a running pod in place \(spec changed\)/,
    );
    const labels = await kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.metadata.labels.tier}']);
    assert.equal(labels.stdout, 'x', 'a refused update changes nothing');
    assert.equal(await attempt(), first, 'the same container, started once');
  });
});
