import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freeHostPort } from '@podkit/runtime/testing';
import { BUSYBOX_PATH_ENV, cliTestEnv, REPO } from '../testing/cli-test-env.js';
import { kubectlWith } from '../testing/kubectl.js';
import { until } from '../testing/until.js';

// The real kubectl against the agent's Kubernetes API for what applications are made of:
// Deployments (and their ReplicaSets), Services and Endpoints, StatefulSets, ConfigMaps — an
// apply, an edit applied again (a rollout), delete; and every manifest under examples/.

const APP = (version: string, selector = 'web') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: ${selector} } }
  template:
    metadata: { labels: { app: ${selector} } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: busybox:test
          command: [sh, -c, 'exec sleep 1000']
          env: [{ name: VERSION, value: "${version}" }]
          ports: [{ containerPort: 8080 }]
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`;

/** Every manifest file under examples/, relative to it. */
async function exampleFiles(): Promise<string[]> {
  const root = path.join(REPO, 'examples');
  const out: string[] = [];
  for (const dir of (await readdir(root)).sort())
    for (const f of (await readdir(path.join(root, dir)).catch(() => [])).sort())
      if (f.endsWith('.yaml')) out.push(path.join(dir, f));
  return out;
}

test('kubectl: Deployments, Services, rollouts and every example', async (t) => {
  const env = await cliTestEnv(t);
  const port = await freeHostPort();
  await writeFile(path.join(env.root, 'agent.json'), JSON.stringify({ apiPort: port }));
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-kubectl-apps-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const kc = await env.run(['kubeconfig']);
  assert.equal(kc.code, 0, kc.err());
  const kubeconfig = path.join(dir, 'config');
  await writeFile(kubeconfig, kc.out(), { mode: 0o600 });
  const kubectl = kubectlWith(kubeconfig, path.join(dir, 'cache'));

  await t.test('discovery: the apps and batch groups with their short names', async () => {
    const res = await kubectl(['api-resources', '--api-group=apps', '--no-headers']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(
      res.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/).slice(0, 2)),
      [
        ['daemonsets', 'ds'],
        ['deployments', 'deploy'],
        ['replicasets', 'rs'],
        ['statefulsets', 'sts'],
      ],
    );
    const jobs = await kubectl(['api-resources', '--api-group=batch', '-o', 'name']);
    assert.equal(jobs.stdout, 'jobs.batch\n', jobs.stderr);
  });

  await t.test(
    'a Deployment and its Service: apply, rollout, apply an edit, delete',
    async (tt) => {
      const file = path.join(dir, 'web.yaml');
      await writeFile(file, APP('1'));
      const applied = await kubectl(['apply', '-f', file]);
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(applied.stdout, 'deployment.apps/web created\nservice/web created\n');
      const rolled = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
      assert.equal(rolled.code, 0, rolled.stderr);
      assert.match(rolled.stdout, /deployment "web" successfully rolled out/);
      const deploy = await kubectl(['get', 'deploy', 'web', '-o', 'wide', '--no-headers']);
      assert.match(deploy.stdout, /^web\s+2\/2\s+2\s+2\s+\S+\s+main\s+busybox:test\s+app=web\n$/);
      const rs = await kubectl(['get', 'rs', '--no-headers']);
      assert.match(rs.stdout, /^web-[a-z0-9]+\s+2\s+2\s+2\s+\S+\n$/);
      const svc = await kubectl(['get', 'svc', 'web', '--no-headers']);
      assert.match(svc.stdout, /^web\s+ClusterIP\s+\d+\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\S+\n$/);
      // Both Ready pods behind the Service, on the target port.
      const eps = await until(async () => {
        const e = await kubectl(['get', 'endpoints', 'web', '--no-headers']);
        return (e.stdout.match(/:8080/g) ?? []).length === 2 ? e.stdout : undefined;
      }, 'two endpoints of web');
      assert.match(eps, /^web\s+\S+:8080,\S+:8080\s+\S+\n$/);
      const gen1 = await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.generation}']);
      assert.equal(gen1.stdout, '1');

      const watch = kubectl.follow(['get', 'deploy', 'web', '-w', '--no-headers'], tt);
      await until(
        () => Promise.resolve(/^web\s+2\/2/m.test(watch.out()) ? true : undefined),
        'the watch to show web 2/2',
      );
      const before = watch.out().split('\n').length;

      // The edit applied again is an update (a rollout to a new ReplicaSet), not an error.
      await writeFile(file, APP('2'));
      const again = await kubectl(['apply', '-f', file]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, 'deployment.apps/web configured\nservice/web unchanged\n');
      const gen2 = await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.generation}']);
      assert.equal(gen2.stdout, '2');
      const rolled2 = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
      assert.equal(rolled2.code, 0, rolled2.stderr);
      const versions = await until(async () => {
        const p = await kubectl([
          'get',
          'pods',
          '-l',
          'app=web',
          '-o',
          'jsonpath={.items[*].spec.containers[0].env[0].value}',
        ]);
        return p.stdout === '2 2' ? p.stdout : undefined;
      }, 'only pods of the new template');
      assert.equal(versions, '2 2');
      assert.equal(
        (await kubectl(['get', 'rs', '-o', 'name'])).stdout.trim().split('\n').length,
        2,
      );
      // The watch saw the rollout's changes.
      await until(
        () => Promise.resolve(watch.out().split('\n').length > before + 1 ? true : undefined),
        'the watch to show the rollout',
      );

      // kubectl scale goes through the scale subresource (autoscaling/v1 Scale).
      const scaled = await kubectl(['scale', 'deployment/web', '--replicas=3']);
      assert.equal(scaled.code, 0, scaled.stderr);
      assert.equal(scaled.stdout, 'deployment.apps/web scaled\n');
      const rolled3 = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
      assert.equal(rolled3.code, 0, rolled3.stderr);
      const three = await kubectl(['get', 'deploy', 'web', '--no-headers']);
      assert.match(three.stdout, /^web\s+3\/3\s+3\s+3\s/);
      const scale = await kubectl([
        'get',
        '--raw',
        '/apis/apps/v1/namespaces/default/deployments/web/scale',
      ]);
      assert.deepEqual((JSON.parse(scale.stdout) as { spec: unknown; status: unknown }).spec, {
        replicas: 3,
      });

      // The selector of a Deployment cannot change: 422 with the reason, and nothing changed.
      await writeFile(file, APP('2', 'other'));
      const moved = await kubectl(['apply', '-f', file]);
      assert.notEqual(moved.code, 0);
      assert.match(
        moved.stderr,
        /The Deployment "web" is invalid: spec\.selector: Invalid value: is immutable/,
      );
      assert.equal(
        (await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.generation}'])).stdout,
        '3',
      );

      await writeFile(file, APP('2'));
      const deleted = await kubectl(['delete', '-f', file]);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal(deleted.stdout, 'deployment.apps "web" deleted\nservice "web" deleted\n');
      // The ReplicaSets and pods go with it (background propagation).
      await until(async () => {
        const left = await kubectl(['get', 'rs,pods', '-o', 'name']);
        return left.code === 0 && left.stdout === '' ? true : undefined;
      }, 'the ReplicaSets and pods to go');
    },
  );

  await t.test("bad input: the API server's 422 with the field, and nothing made", async () => {
    const file = path.join(dir, 'bad.yaml');
    // Only the Deployment: kubectl applies a file's objects one by one (a valid Service beside
    // it would be created, as against any cluster).
    await writeFile(file, (APP('1').split('---')[0] ?? '').replace('replicas: 2', 'replicas: -1'));
    const bad = await kubectl(['apply', '-f', file]);
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /The Deployment "web" is invalid: spec\.replicas: Invalid value: must be 0 or more, got -1/,
    );
    const none = await kubectl(['get', 'deploy,svc', '-o', 'name']);
    assert.equal(none.stdout, '', none.stderr);
  });

  await t.test('namespaces: create, apply twice, label, delete only when empty', async () => {
    const created = await kubectl(['create', 'namespace', 'team-a']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'namespace/team-a created\n');
    const file = path.join(dir, 'ns.yaml');
    const ns = (env: string) =>
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n  labels: { env: ${env} }\n`;
    await writeFile(file, ns('dev'));
    assert.equal((await kubectl(['apply', '-f', file])).stdout, 'namespace/team-b created\n');
    assert.equal((await kubectl(['apply', '-f', file])).stdout, 'namespace/team-b unchanged\n');
    await writeFile(file, ns('prod'));
    assert.equal((await kubectl(['apply', '-f', file])).stdout, 'namespace/team-b configured\n');
    const prod = await kubectl(['get', 'ns', '-l', 'env=prod', '-o', 'name']);
    assert.equal(prod.stdout, 'namespace/team-b\n', prod.stderr);
    const bad = await kubectl(['create', 'namespace', 'Team_C']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The Namespace "Team_C" is invalid: metadata\.name: Invalid value/);

    // Not while it holds objects (podkit does not cascade), never a built-in one.
    const cm = await kubectl(['create', 'configmap', 'c', '-n', 'team-a', '--from-literal=a=b']);
    assert.equal(cm.code, 0, cm.stderr);
    const busy = await kubectl(['delete', 'namespace', 'team-a']);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, /podkit does not delete a namespace's objects with it/);
    // kubectl create secret posts protobuf, as create namespace and configmap do.
    const secret = await kubectl([
      'create',
      'secret',
      'generic',
      's',
      '-n',
      'team-a',
      '--from-literal=password=p',
    ]);
    assert.equal(secret.stdout, 'secret/s created\n', secret.stderr);
    const data = await kubectl([
      'get',
      'secret',
      's',
      '-n',
      'team-a',
      '-o',
      'jsonpath={.data.password}',
    ]);
    assert.equal(data.stdout, Buffer.from('p').toString('base64'));
    const value = await kubectl(['get', 'cm', 'c', '-n', 'team-a', '-o', 'jsonpath={.data.a}']);
    assert.equal(value.stdout, 'b');
    assert.equal((await kubectl(['delete', 'configmap', 'c', '-n', 'team-a'])).code, 0);
    assert.equal((await kubectl(['delete', 'secret', 's', '-n', 'team-a'])).code, 0);
    const gone = await kubectl(['delete', 'namespace', 'team-a', 'team-b']);
    assert.equal(gone.code, 0, gone.stderr);
    assert.equal(gone.stdout, 'namespace "team-a" deleted\nnamespace "team-b" deleted\n');
    const none = await kubectl(['get', 'ns', 'team-a']);
    assert.match(none.stderr, /namespaces "team-a" not found/);
    const builtin = await kubectl(['delete', 'namespace', 'default']);
    assert.match(
      builtin.stderr,
      /namespaces "default" is forbidden: this namespace may not be deleted/,
    );
  });

  await t.test('every manifest under examples/: apply, listed, delete', async () => {
    // Their images, as busybox sleeping (the test is about the API, not the apps), and their
    // host ports moved to free ones.
    const files = await exampleFiles();
    const images = new Set<string>();
    const texts = new Map<string, string>();
    for (const f of files) {
      let text = await readFile(path.join(REPO, 'examples', f), 'utf8');
      for (const m of text.matchAll(/image:\s*(\S+)/g)) if (m[1] !== undefined) images.add(m[1]);
      for (const m of [...text.matchAll(/hostPort:\s*(\d+)/g)])
        text = text.replace(m[0], `hostPort: ${String(await freeHostPort())}`);
      texts.set(f, text);
    }
    for (const image of images) {
      const added = await env.run([
        'image',
        'add',
        image,
        '--rootfs',
        path.join(env.root, 'busybox-rootfs'),
        '--cmd',
        '["sleep","3600"]',
        '--env',
        BUSYBOX_PATH_ENV,
      ]);
      assert.equal(added.code, 0, added.err());
    }
    for (const [f, text] of texts) {
      const file = path.join(dir, f.replaceAll('/', '_'));
      await writeFile(file, text);
      const applied = await kubectl(['apply', '-f', file]);
      assert.equal(applied.code, 0, `${f}: ${applied.stderr}`);
      const made = applied.stdout.trim().split('\n');
      assert.ok(
        made.length > 0 && made.every((l) => / created$/.test(l)),
        `${f}: ${applied.stdout}`,
      );
      // Each object it made is there, by the name apply printed.
      for (const line of made) {
        const ref = line.replace(/ created$/, '');
        const got = await kubectl(['get', ref, '-o', 'name']);
        assert.equal(got.code, 0, `${f}: ${ref}: ${got.stderr}`);
      }
      const again = await kubectl(['apply', '-f', file]);
      assert.equal(again.code, 0, `${f}: ${again.stderr}`);
      assert.ok(
        again.stdout
          .trim()
          .split('\n')
          .every((l) => / (unchanged|configured)$/.test(l)),
        `${f}: ${again.stdout}`,
      );
      const deleted = await kubectl(['delete', '-f', file, '--grace-period=1']);
      assert.equal(deleted.code, 0, `${f}: ${deleted.stderr}`);
    }
    await until(async () => {
      const left = await kubectl(['get', 'all,cm,secrets,pvc', '-A', '-o', 'name']);
      return left.code === 0 && left.stdout === '' ? true : undefined;
    }, 'every object of the examples to go');
  });
});
