import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freeHostPort } from '@podkit/runtime/testing';
import { capture, cliTestEnv } from '../testing/cli-test-env.js';
import { kubectlWith } from '../testing/kubectl.js';
import { until } from '../testing/until.js';

// The real kubectl (on PATH; scripts/setup.sh installs Debian's kubernetes-client) against
// the agent's Kubernetes API, through a kubeconfig from `podkit kubeconfig`.

const POD = (name: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: { app: ${name} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: busybox:test
      command: [sh, -c, 'exec sleep 1000']
      readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 }${extra}
`;

/** A request with a chosen Authorization header (or none) and body: status and body. */
function rawCall(
  server: string,
  ca: string,
  pathname: string,
  options: { auth?: string; method?: string; body?: Buffer | string; contentType?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.auth !== undefined) headers.authorization = options.auth;
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    const req = request(
      new URL(pathname, server),
      { ca, method: options.method ?? 'GET', headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    // The server may answer (413) before the whole body is sent, and close.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return;
      reject(err);
    });
    req.end(options.body);
  });
}

test('kubectl against podkit: discovery, apply with validation, get, watch, wait, delete, errors', async (t) => {
  const env = await cliTestEnv(t);
  const port = await freeHostPort();
  // Before the first command that starts the agent: its Kubernetes API port.
  await writeFile(path.join(env.root, 'agent.json'), JSON.stringify({ apiPort: port }));
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-kubectl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  const kc = await env.run(['kubeconfig']);
  assert.equal(kc.code, 0, kc.err());
  assert.match(kc.out(), new RegExp(`server: https://127\\.0\\.0\\.1:${String(port)}\\n`));
  assert.match(kc.out(), /current-context: podkit\n/);
  assert.match(kc.out(), /certificate-authority-data: \S+\n/);
  // --merge into $KUBECONFIG's file: another context stays, the file stays 0600.
  const mergedFile = path.join(dir, 'merged-config');
  await writeFile(
    mergedFile,
    'apiVersion: v1\nkind: Config\nclusters:\n  - name: other\n    cluster: { server: https://other:6443 }\ncontexts:\n  - name: other\n    context: { cluster: other, user: other }\nusers:\n  - name: other\n    user: { token: o }\ncurrent-context: other\n',
    { mode: 0o600 },
  );
  const merged = await env.run(
    ['kubeconfig', '--merge'],
    capture({ env: { KUBECONFIG: mergedFile } }),
  );
  assert.equal(merged.code, 0, merged.err());
  assert.equal(
    merged.out(),
    `context "podkit" (https://127.0.0.1:${String(port)}) merged into ${mergedFile}; use it with \`kubectl config use-context podkit\`\n`,
  );
  assert.equal((await stat(mergedFile)).mode & 0o777, 0o600);
  const contexts = await kubectlWith(
    mergedFile,
    path.join(dir, 'cache'),
  )(['config', 'get-contexts', '-o', 'name']);
  assert.deepEqual(contexts.stdout.trim().split('\n'), ['other', 'podkit']);
  const viaMerged = await kubectlWith(
    mergedFile,
    path.join(dir, 'cache'),
  )(['--context', 'podkit', 'get', 'ns', 'default', '-o', 'name']);
  assert.equal(viaMerged.stdout, 'namespace/default\n', viaMerged.stderr);

  const kubeconfig = path.join(dir, 'config');
  await writeFile(kubeconfig, kc.out(), { mode: 0o600 });
  const kubectl = kubectlWith(kubeconfig, path.join(dir, 'cache'));

  // The credentials the agent made: root's, 0600.
  for (const f of ['ca.crt', 'ca.key', 'server.crt', 'server.key', 'token']) {
    const s = await stat(path.join(env.root, 'kube-api', f));
    assert.equal(s.mode & 0o777, 0o600, f);
    assert.equal(s.uid, 0, f);
  }

  const server = `https://127.0.0.1:${String(port)}`;
  const ca = await readFile(path.join(env.root, 'kube-api', 'ca.crt'), 'utf8');
  const token = (await readFile(path.join(env.root, 'kube-api', 'token'), 'utf8')).trim();
  await t.test('401 without the token or with a wrong one, as a Status', async () => {
    for (const auth of [undefined, 'Bearer wrong-token']) {
      const r = await rawCall(server, ca, '/api/v1/pods', auth === undefined ? {} : { auth });
      assert.equal(r.status, 401);
      assert.deepEqual(JSON.parse(r.body), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
    }
    const wrong = await kubectl(['get', 'pods', '--token', 'wrong-token']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /error: You must be logged in to the server/);
  });

  await t.test('discovery: version, api-resources with short names', async () => {
    const v = await kubectl(['version', '-o', 'json']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(
      (JSON.parse(v.stdout) as { serverVersion: { minor: string } }).serverVersion.minor,
      '32',
    );
    const res = await kubectl(['api-resources', '--no-headers']);
    assert.equal(res.code, 0, res.stderr);
    const rows = res.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    assert.deepEqual(
      rows.map((r) => [r[0], r[1]]),
      [
        ['configmaps', 'cm'],
        ['endpoints', 'ep'],
        ['events', 'ev'],
        ['namespaces', 'ns'],
        ['persistentvolumeclaims', 'pvc'],
        ['pods', 'po'],
        ['secrets', 'v1'],
        ['services', 'svc'],
        ['daemonsets', 'ds'],
        ['deployments', 'deploy'],
        ['replicasets', 'rs'],
        ['statefulsets', 'sts'],
        ['jobs', 'batch/v1'],
      ],
    );
    const ns = await kubectl(['get', 'ns', '-o', 'name']);
    assert.equal(ns.code, 0, ns.stderr);
    assert.deepEqual(ns.stdout.trim().split('\n'), [
      'namespace/default',
      'namespace/kube-node-lease',
      'namespace/kube-public',
      'namespace/kube-system',
    ]);
  });

  await t.test(
    'apply (server-side validation, no --validate=false), wait Ready, get -o wide and -o yaml, podkit ps',
    async () => {
      const file = await env.manifest('web.yaml', POD('web'));
      const applied = await kubectl(['apply', '-f', file, '-v=6']);
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /^pod\/web created\n$/);
      // Validated by the server with Strict: no client-side schema (/openapi/v2) was needed.
      assert.match(
        applied.stderr,
        /POST https:\/\/\S+\/api\/v1\/namespaces\/default\/pods\?fieldManager=kubectl-client-side-apply&fieldValidation=Strict 201 Created/,
      );
      assert.doesNotMatch(applied.stderr, /openapi\/v2/);

      const wait = await kubectl(['wait', '--for=condition=Ready', 'pod/web', '--timeout=60s']);
      assert.equal(wait.code, 0, wait.stderr);
      assert.equal(wait.stdout, 'pod/web condition met\n');

      const wide = await kubectl(['get', 'pods', '-o', 'wide']);
      assert.equal(wide.code, 0, wide.stderr);
      const [head, row] = wide.stdout.trimEnd().split('\n');
      assert.match(
        head ?? '',
        /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/,
      );
      assert.match(
        row ?? '',
        /^web\s+1\/1\s+Running\s+0\s+\d+s\s+10\.\d+\.\d+\.\d+\s+\S+\s+<none>\s+<none>$/,
      );

      const yaml = await kubectl(['get', 'pod', 'web', '-o', 'json']);
      assert.equal(yaml.code, 0, yaml.stderr);
      const pod = JSON.parse(yaml.stdout) as {
        metadata: {
          uid: string;
          resourceVersion: string;
          creationTimestamp: string;
          labels: Record<string, string>;
        };
        status: {
          phase: string;
          podIP: string;
          conditions: { type: string; status: string }[];
          containerStatuses: { name: string; ready: boolean }[];
        };
      };
      assert.match(pod.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(pod.metadata.resourceVersion, /^\d+$/);
      assert.deepEqual(pod.metadata.labels, { app: 'web' });
      assert.equal(pod.status.phase, 'Running');
      assert.equal(pod.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
      assert.deepEqual(
        pod.status.containerStatuses.map((c) => [c.name, c.ready]),
        [['main', true]],
      );
      const asYaml = await kubectl(['get', 'pod', 'web', '-o', 'yaml']);
      assert.match(asYaml.stdout, /^apiVersion: v1\nkind: Pod\n/);
      assert.match(
        asYaml.stdout,
        new RegExp(`  podIP: ${pod.status.podIP.replaceAll('.', '\\.')}\n`),
      );

      // The same pod for podkit.
      const ps = await env.run(['ps']);
      assert.equal(ps.code, 0, ps.err());
      assert.match(ps.out(), /^web\s+1\/1\s+Running\s/m);

      // Applying the unchanged file again is no error.
      const again = await kubectl(['apply', '-f', file]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, 'pod/web unchanged\n');
    },
  );

  await t.test('kubectl sees a pod made by podkit up; selectors', async () => {
    const file = await env.manifest('up.yaml', POD('from-up'));
    const up = await env.run(['up', '-d', '-f', file]);
    assert.equal(up.code, 0, up.err());
    const got = await kubectl(['get', 'pods', '-o', 'name']);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(got.stdout.trim().split('\n'), ['pod/from-up', 'pod/web']);
    const byLabel = await kubectl(['get', 'pods', '-l', 'app=from-up', '-o', 'name']);
    assert.equal(byLabel.stdout, 'pod/from-up\n');
    const byField = await kubectl([
      'get',
      'pods',
      '--field-selector',
      'metadata.name=web',
      '-o',
      'name',
    ]);
    assert.equal(byField.stdout, 'pod/web\n');
    const bad = await kubectl(['get', 'pods', '--field-selector', 'spec.foo=1']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field label not supported: spec\.foo/);
  });

  await t.test(
    'configmaps: apply validated on the server, get, re-apply unchanged; events of a pod',
    async () => {
      const file = await env.manifest(
        'cm.yaml',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg }\ndata: { a: "1", b: "2" }\n',
      );
      const applied = await kubectl(['apply', '-f', file]);
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(applied.stdout, 'configmap/cfg created\n');
      const again = await kubectl(['apply', '-f', file]);
      assert.equal(again.stdout, 'configmap/cfg unchanged\n', again.stderr);
      const got = await kubectl(['get', 'cm', '--no-headers']);
      assert.match(got.stdout, /^cfg\s+2\s+\d+s\n$/);
      const data = await kubectl(['get', 'configmap', 'cfg', '-o', 'jsonpath={.data.b}']);
      assert.equal(data.stdout, '2');
      const events = await kubectl([
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=web',
        '-o',
        'jsonpath={.items[*].reason}',
      ]);
      assert.equal(events.code, 0, events.stderr);
      // A list's order is not promised (the API server lists by name): which reasons are there.
      const reasons = events.stdout.split(' ');
      for (const reason of ['Scheduled', 'Created', 'Started'])
        assert.ok(reasons.includes(reason), `${reason} in ${events.stdout}`);
    },
  );

  await t.test('get -w sees a deletion; delete waits until the pod is gone', async (tt) => {
    const watch = kubectl.follow(['get', 'pods', '-w', '--request-timeout=90s'], tt);
    await until(
      () => Promise.resolve(/^from-up\s+1\/1\s+Running/m.test(watch.out()) ? true : undefined),
      'the watch listing from-up',
      { timeoutMs: 30_000 },
    );
    const del = await kubectl(['delete', 'pod', 'from-up']);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout, 'pod "from-up" deleted\n');
    await until(
      () => Promise.resolve(/^from-up\s+\S+\s+Terminating/m.test(watch.out()) ? true : undefined),
      'the watch seeing from-up terminating',
      { timeoutMs: 30_000 },
    );
    const after = await kubectl(['get', 'pod', 'from-up']);
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /Error from server \(NotFound\): pods "from-up" not found/);
    const ps = await env.run(['ps', '-a']);
    assert.doesNotMatch(ps.out(), /from-up/);
  });

  await t.test(
    'an invalid pod: 422 with the field path; an unknown field under Strict: 400',
    async () => {
      const bad = await env.manifest(
        'bad.yaml',
        POD('bad', '\n      ports: [{ containerPort: 70000 }]'),
      );
      const r = await kubectl(['apply', '-f', bad]);
      assert.notEqual(r.code, 0);
      assert.match(
        r.stderr,
        /The Pod "bad" is invalid: spec\.containers\[0\]\.ports\[0\]\.containerPort: Invalid value: must be 1-65535, got 70000/,
      );
      const unknown = await env.manifest(
        'unknown.yaml',
        POD('unknown', '\n      imagePullPolicyy: Never'),
      );
      const u = await kubectl(['create', '-f', unknown]);
      assert.notEqual(u.code, 0);
      assert.match(
        u.stderr,
        /Error from server \(BadRequest\): error when creating "[^"]+": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec\.containers\[0\]\.imagePullPolicyy"/,
      );
      const none = await kubectl(['get', 'pods', '-o', 'name']);
      assert.equal(none.stdout, 'pod/web\n');
    },
  );
  await t.test(
    'bad requests: malformed JSON and YAML 400, oversized 413, too old watch 410, 404; the agent keeps serving',
    async () => {
      const auth = `Bearer ${token}`;
      const pods = '/api/v1/namespaces/default/pods';
      const status = (body: string) =>
        JSON.parse(body) as { kind: string; reason: string; code: number; message: string };
      const json = await rawCall(server, ca, pods, {
        auth,
        method: 'POST',
        body: '{"kind": "Pod",',
        contentType: 'application/json',
      });
      assert.equal(json.status, 400);
      assert.equal(status(json.body).reason, 'BadRequest');
      assert.match(status(json.body).message, /^the request body is not valid JSON: /);
      const yaml = await rawCall(server, ca, pods, {
        auth,
        method: 'POST',
        body: 'kind: Pod\nmetadata: [\n',
        contentType: 'application/yaml',
      });
      assert.equal(yaml.status, 400);
      assert.match(
        status(yaml.body).message,
        /^the request body is not valid YAML: line \d+, column \d+: /,
      );
      const big = await rawCall(server, ca, pods, {
        auth,
        method: 'POST',
        body: Buffer.alloc(4 * 1024 * 1024, 0x20),
        contentType: 'application/json',
      });
      assert.equal(big.status, 413);
      assert.equal(status(big.body).reason, 'RequestEntityTooLarge');
      const old = await rawCall(server, ca, `${pods}?watch=1&resourceVersion=5`, { auth });
      assert.equal(old.status, 410);
      assert.equal(status(old.body).reason, 'Gone');
      assert.match(status(old.body).message, /^too old resource version: 5 \(\d+\)$/);
      const missing = await rawCall(server, ca, `${pods}/nothing`, { auth });
      assert.equal(missing.status, 404);
      assert.equal(status(missing.body).message, 'pods "nothing" not found');
      const still = await kubectl(['get', 'pods', '-o', 'name']);
      assert.equal(still.code, 0, still.stderr);
      assert.equal(still.stdout, 'pod/web\n');
    },
  );
});
