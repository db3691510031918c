import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { JsonObject } from '@podkit/runtime';
import { parseManifests, parseYamlDocuments } from '@podkit/runtime/spec';
import { schemaProblems } from '../kube/schema.js';
import { mustQuote, toKubeYaml } from '../kube/yaml-out.js';
import { runCli } from '../run-cli.js';
import { REPO, capture } from '../testing/cli-test-env.js';

/** Every YAML file under examples/ that holds Kubernetes objects (found, not listed). */
async function exampleManifests(): Promise<string[]> {
  const examples = path.join(REPO, 'examples');
  const entries = await readdir(examples, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const e of entries) {
    if (!e.isFile() || !/\.ya?ml$/.test(e.name)) continue;
    const file = path.join(e.parentPath, e.name);
    const { documents } = parseYamlDocuments(await readFile(file, 'utf8'), file);
    const isManifest = documents.some((d) => {
      const v = d.value as { apiVersion?: unknown; kind?: unknown } | null;
      return v !== null && typeof v === 'object' && 'apiVersion' in v && 'kind' in v;
    });
    if (isManifest) files.push(file);
  }
  return files.sort();
}

/** The objects of a file, Lists flattened (kubectl sends each item). */
function objectsOf(text: string, file: string): JsonObject[] {
  const parsed = parseYamlDocuments(text, file);
  assert.deepEqual(parsed.diagnostics, [], `${file} parses as YAML 1.1`);
  const out: JsonObject[] = [];
  for (const d of parsed.documents) {
    const v = d.value as JsonObject;
    if (v.kind === 'List' && Array.isArray(v.items)) out.push(...(v.items as JsonObject[]));
    else out.push(v);
  }
  return out;
}

/** The object at `index`, failing the test when there is none. */
function nth(objects: readonly JsonObject[], index: number): JsonObject {
  const o = objects[index];
  assert.ok(o !== undefined, `no object #${index}`);
  return o;
}

async function assertSchemaValid(objects: readonly JsonObject[], what: string): Promise<void> {
  for (const o of objects) {
    const problems = await schemaProblems(o);
    const name = (o.metadata as { name?: string } | undefined)?.name;
    assert.deepEqual(problems, [], `${what}: ${JSON.stringify(o.kind)} ${String(name)}`);
  }
}

// A state root that does not exist: no local images to warn about, whatever this machine has.
const NO_ROOT = path.join(tmpdir(), `podkit-kube-export-none-${process.pid}`);

async function podkit(argv: string[], root = NO_ROOT) {
  const c = capture();
  const code = await runCli(['--root', root, ...argv], c.io);
  return { code, out: c.out(), err: c.err() };
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-kube-export-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('every example manifest and each of its exports validate against the Kubernetes schema', async () => {
  const files = await exampleManifests();
  // push-to-deploy, two monitoring pods and the kubernetes.io pages at least.
  assert.ok(files.length >= 14, `found only ${files.length} example manifests`);
  for (const file of files) {
    const rel = path.relative(REPO, file);
    const source = objectsOf(await readFile(file, 'utf8'), rel);
    await assertSchemaValid(source, rel);
    for (const as of [undefined, 'pod', 'deployment', 'job']) {
      const argv = ['kube', 'export', '-f', file, ...(as === undefined ? [] : ['--as', as])];
      const r = await podkit(argv);
      const what = `podkit ${argv.join(' ')}`;
      assert.equal(r.code, 0, `${what}\n${r.err}`);
      const exported = objectsOf(r.out, what);
      assert.ok(exported.length >= 1, what);
      await assertSchemaValid(exported, what);
      // podkit's spec model rejects unknown fields (the schema does not): the export must
      // also be a valid podkit manifest, and nothing local may be left in it.
      const again = parseManifests(r.out, what);
      assert.deepEqual(
        again.diagnostics.filter((d) => d.severity === 'error'),
        [],
        `${what} re-validates`,
      );
      assert.doesNotMatch(r.out, /hostPort|hostPath|hostIP/, what);
      assert.doesNotMatch(r.out, /: [&*]a\d+/, `${what}: no YAML anchors or aliases`);
      const kinds = new Set(exported.map((o) => o.kind));
      if (as === 'pod') assert.ok(!kinds.has('Deployment') && !kinds.has('Job'), what);
      if (as === 'deployment') assert.ok(!kinds.has('Pod') && !kinds.has('Job'), what);
      if (as === 'job') assert.ok(!kinds.has('Pod') && !kinds.has('Deployment'), what);
    }
  }
});

test('the schema check fails a wrong object (so it can fail)', async () => {
  const wrong = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'wrong' },
    spec: { containers: [{ image: 'nginx', ports: [{ containerPort: 'eighty' }] }] },
  };
  const problems = await schemaProblems(wrong);
  assert.deepEqual(
    problems.map((p) => p.path),
    ['/spec/containers/0', '/spec/containers/0/ports/0/containerPort'],
  );
  assert.match(problems[0]?.message ?? '', /required property name/);
  assert.deepEqual(
    await schemaProblems({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { template: { spec: { containers: [{ name: 'a', image: 'a' }] } } },
    }),
    [{ path: '/spec', message: 'must have required property selector' }],
  );
  assert.match(
    (await schemaProblems({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' }))[0]
      ?.message ?? '',
    /no schema for gateway\.networking\.k8s\.io\/v1\/Gateway/,
  );
});

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
    tier: front
spec:
  volumes:
    - name: site
      hostPath:
        path: /home/me/site
  initContainers:
    - name: sync
      image: podkit/git-sync
      restartPolicy: Always
      args: ['--repo=https://example.com/site.git']
  containers:
    - name: nginx
      image: nginx:1.22
      imagePullPolicy: Never
      ports:
        - containerPort: 80
          hostPort: 8080
          hostIP: 127.0.0.1
      volumeMounts:
        - name: site
          mountPath: /usr/share/nginx/html
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: tricky
data:
  a: "yes"
  b: "on"
  c: "0644"
  d: "0o644"
  e: "1_000"
  f: "1e3"
  g: "2024-01-02"
  h: "~"
  i: "1:20"
  j: "0x1F"
  k: ".5"
  l: "N"
  m: "100m"
`;

test('kube export: images mapped, local settings removed with file:line warnings, sidecars kept', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'web.yaml');
  await writeFile(file, POD);
  const map = path.join(dir, 'images.yaml');
  await writeFile(map, 'nginx:1.22: registry.example.com/web/nginx:1.22\n');

  const r = await podkit(['kube', 'export', '-f', file, '--image-map', map]);
  assert.equal(r.code, 0, r.err);
  const out = objectsOf(r.out, 'out');
  const pod = nth(out, 0);
  const cm = nth(out, 1);
  assert.deepEqual(pod, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
    spec: {
      volumes: [{ name: 'site', emptyDir: {} }],
      initContainers: [
        {
          name: 'sync',
          image: 'ghcr.io/podkit/git-sync:0.1.0',
          restartPolicy: 'Always',
          args: ['--repo=https://example.com/site.git'],
        },
      ],
      containers: [
        {
          name: 'nginx',
          image: 'registry.example.com/web/nginx:1.22',
          ports: [{ containerPort: 80 }],
          volumeMounts: [{ name: 'site', mountPath: '/usr/share/nginx/html' }],
        },
      ],
    },
  });
  // Strings that YAML 1.1 would read as numbers, booleans, null or dates come back as strings.
  assert.deepEqual(cm.data, {
    a: 'yes',
    b: 'on',
    c: '0644',
    d: '0o644',
    e: '1_000',
    f: '1e3',
    g: '2024-01-02',
    h: '~',
    i: '1:20',
    j: '0x1F',
    k: '.5',
    l: 'N',
    m: '100m',
  });
  for (const v of ['yes', 'on', '0644', '0o644', '1_000', '1e3', '2024-01-02', '1:20', 'N']) {
    assert.ok(r.out.includes(`"${v}"`), `${v} is quoted`);
  }
  assert.match(r.out, /m: 100m\n/);
  const warnings = r.err.trimEnd().split('\n');
  assert.deepEqual(warnings, [
    `${file}:11:7 warning: spec.volumes[0].hostPath: hostPath /home/me/site (a path on this machine) replaced by an emptyDir; on a cluster provide the data another way (a PersistentVolumeClaim, an init container, git-sync from a URL), or pass --keep-host-paths`,
    `${file}:15:14 warning: spec.initContainers[0].image: image podkit/git-sync:latest → ghcr.io/podkit/git-sync:0.1.0 (default image map)`,
    `${file}:20:14 warning: spec.containers[0].image: image nginx:1.22 → registry.example.com/web/nginx:1.22 (${map})`,
    `${file}:21:7 warning: spec.containers[0].imagePullPolicy: imagePullPolicy Never removed (a node pulls the image from its registry)`,
    `${file}:24:11 warning: spec.containers[0].ports[0].hostPort: hostPort 8080 and hostIP 127.0.0.1 removed (podkit's way in from this machine; on a cluster use a Service, or pass --keep-host-ports)`,
  ]);

  // --image wins over the map; --keep-host-ports / --keep-host-paths keep them.
  const kept = await podkit([
    'kube',
    'export',
    '-f',
    file,
    '--image-map',
    map,
    '--image',
    'nginx:1.22=registry.example.com/other/nginx:1.22',
    '--keep-host-ports',
    '--keep-host-paths',
  ]);
  assert.equal(kept.code, 0, kept.err);
  const keptPod = nth(objectsOf(kept.out, 'kept'), 0);
  const spec = keptPod.spec as {
    volumes: unknown[];
    containers: [{ image: string; ports: unknown[] }];
  };
  assert.deepEqual(spec.volumes, [{ name: 'site', hostPath: { path: '/home/me/site' } }]);
  assert.equal(spec.containers[0].image, 'registry.example.com/other/nginx:1.22');
  assert.deepEqual(spec.containers[0].ports, [
    { containerPort: 80, hostPort: 8080, hostIP: '127.0.0.1' },
  ]);
});

test('kube export --as deployment|job|pod wraps the pod template', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'web.yaml');
  await writeFile(file, POD);

  const d = await podkit(['kube', 'export', '-f', file, '--as', 'deployment']);
  assert.equal(d.code, 0, d.err);
  const deployment = nth(objectsOf(d.out, 'deployment'), 0);
  assert.equal(deployment.apiVersion, 'apps/v1');
  assert.equal(deployment.kind, 'Deployment');
  assert.deepEqual(deployment.metadata, { name: 'web', labels: { app: 'web', tier: 'front' } });
  const dspec = deployment.spec as {
    replicas: number;
    selector: unknown;
    template: { metadata: unknown; spec: { initContainers: { restartPolicy: string }[] } };
  };
  assert.equal(dspec.replicas, 1);
  assert.deepEqual(dspec.selector, { matchLabels: { app: 'web' } });
  assert.deepEqual(dspec.template.metadata, { labels: { app: 'web', tier: 'front' } });
  assert.equal(dspec.template.spec.initContainers[0]?.restartPolicy, 'Always', 'sidecar kept');
  assert.match(
    d.err,
    /:2:7 warning: kind: Pod web exported as a Deployment, 1 replica, selecting app=web\n/,
  );

  const j = await podkit(['kube', 'export', '-f', file, '--as', 'job']);
  assert.equal(j.code, 0, j.err);
  const job = nth(objectsOf(j.out, 'job'), 0);
  assert.equal(job.kind, 'Job');
  const jspec = job.spec as { template: { spec: { restartPolicy: string } } };
  assert.equal(jspec.template.spec.restartPolicy, 'OnFailure');
  assert.match(j.err, /restartPolicy Always \(the default\) → OnFailure/);

  // A Job exported back as a Pod keeps its pod's restartPolicy and takes the Job's name.
  const jobFile = path.join(dir, 'job.yaml');
  await writeFile(jobFile, j.out);
  const p = await podkit(['kube', 'export', '-f', jobFile, '--as', 'pod']);
  assert.equal(p.code, 0, p.err);
  const pod = nth(objectsOf(p.out, 'pod'), 0);
  assert.equal(pod.kind, 'Pod');
  assert.deepEqual(pod.metadata, { name: 'web', labels: { app: 'web', tier: 'front' } });
  assert.equal((pod.spec as { restartPolicy: string }).restartPolicy, 'OnFailure');

  // A pod without labels gets app=NAME for its Deployment's selector.
  const bare = path.join(dir, 'bare.yaml');
  await writeFile(
    bare,
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bare\nspec:\n  restartPolicy: Never\n  containers:\n    - name: a\n      image: busybox\n',
  );
  const b = await podkit(['kube', 'export', '-f', bare, '--as', 'deployment']);
  assert.equal(b.code, 0, b.err);
  const bd = nth(objectsOf(b.out, 'bare'), 0);
  const bspec = bd.spec as {
    selector: unknown;
    template: { metadata: unknown; spec: { restartPolicy: string } };
  };
  assert.deepEqual(bspec.selector, { matchLabels: { app: 'bare' } });
  assert.deepEqual(bspec.template.metadata, { labels: { app: 'bare' } });
  assert.equal(bspec.template.spec.restartPolicy, 'Always');
  assert.match(b.err, /restartPolicy Never → Always/);
  await assertSchemaValid([bd], 'bare deployment');
});

test('kube export: an invalid manifest fails with file:line, a bad flag is a usage error', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'bad.yaml');
  await writeFile(
    file,
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n    - name: a\n      image: busybox\n      ports:\n        - containerPort: 70000\n',
  );
  const r = await podkit(['kube', 'export', '-f', file]);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(
    r.err,
    new RegExp(`^${file}:10:26 spec\\.containers\\[0\\]\\.ports\\[0\\]\\.containerPort: `),
  );
  assert.match(r.err, /invalid \(1 error\)\n$/);

  const flag = await podkit(['kube', 'export', '-f', file, '--image', 'nonsense']);
  assert.equal(flag.code, 2);
  assert.match(flag.err, /--image: expected OLD=NEW, got "nonsense"/);
  const missing = await podkit(['kube', 'export', '-f', path.join(dir, 'none.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read .*none\.yaml: no such file/);
  const badMap = path.join(dir, 'map.yaml');
  await writeFile(badMap, 'nginx: [1, 2]\n');
  const m = await podkit(['kube', 'export', '-f', file, '--image-map', badMap]);
  assert.equal(m.code, 2);
  assert.match(m.err, new RegExp(`${badMap}:1:1 nginx: expected an image name`));
});

test('kube export warns about images only this machine has (host images left unmapped)', async (t) => {
  const dir = await tempDir(t);
  const root = path.join(dir, 'root');
  for (const name of ['my-app:1', 'ghcr.io/podkit/git-sync:0.1.0', 'mapped:2']) {
    const add = await podkit(['image', 'add', name, '--host'], root);
    assert.equal(add.code, 0, add.err);
  }
  const file = path.join(dir, 'local.yaml');
  await writeFile(
    file,
    `apiVersion: v1
kind: Pod
metadata:
  name: local
spec:
  containers:
    - name: app
      image: my-app:1
    - name: sync
      image: ghcr.io/podkit/git-sync:0.1.0
    - name: other
      image: mapped:2
`,
  );
  const r = await podkit(
    ['kube', 'export', '-f', file, '--image', 'mapped:2=registry.example.com/mapped:2'],
    root,
  );
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.err.trimEnd().split('\n'), [
    `${file}:8:14 warning: spec.containers[0].image: image my-app:1 is a host image on this machine; a cluster pulls it from its registry: push an image of it there, or map it with --image my-app:1=REGISTRY/NAME:TAG`,
    `${file}:12:14 warning: spec.containers[2].image: image mapped:2 → registry.example.com/mapped:2 (--image)`,
  ]);
});

test('kube export flattens a List and drops status', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'list.yaml');
  await writeFile(
    file,
    `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: c
    data:
      a: "1"
  - apiVersion: v1
    kind: Pod
    metadata:
      name: p
    spec:
      containers:
        - name: a
          image: busybox
    status:
      phase: Running
`,
  );
  const r = await podkit(['kube', 'export', '-f', file]);
  assert.equal(r.code, 0, r.err);
  const objects = objectsOf(r.out, 'list');
  assert.deepEqual(
    objects.map((o) => [o.kind, (o.metadata as { name: string }).name, 'status' in o]),
    [
      ['ConfigMap', 'c', false],
      ['Pod', 'p', false],
    ],
  );
  assert.deepEqual(r.err.trimEnd().split('\n'), [
    `${file}:2:7 warning: kind: List flattened into one document per item`,
    `${file}:18:5 warning: items[1].status: status removed (the cluster sets it)`,
  ]);
  await assertSchemaValid(objects, 'list');
});

test('kube export passes a headless Service, a StatefulSet with claim templates and a PersistentVolumeClaim through', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'db.yaml');
  await writeFile(
    file,
    `apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 6379}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: redis, image: redis:7, volumeMounts: [{name: data, mountPath: /data}]}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shared}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
  );
  const r = await podkit(['kube', 'export', '-f', file]);
  assert.equal(r.code, 0, r.err);
  const objects = objectsOf(r.out, 'db');
  assert.deepEqual(
    objects.map((o) => o.kind),
    ['Service', 'StatefulSet', 'PersistentVolumeClaim'],
  );
  assert.equal(r.err, '');
  await assertSchemaValid(objects, 'db');
});

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
`;

const AROUND = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: web}
rules: [{apiGroups: [''], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web}
subjects: [{kind: ServiceAccount, name: web}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web}
spec: {gatewayClassName: x, listeners: [{name: http, port: 80, protocol: HTTP}]}
`;

test('kube export of several -f and a directory: every object in order, the kinds podkit does not run passed through (checked where a schema exists)', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'k8s'));
  const web = path.join(dir, 'k8s', 'web.yaml');
  const around = path.join(dir, 'k8s', 'around.yml');
  await writeFile(web, WEB);
  await writeFile(around, AROUND);
  await writeFile(path.join(dir, 'k8s', 'notes.txt'), 'not a manifest');
  const svc = path.join(dir, 'svc.yaml');
  await writeFile(
    svc,
    'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n',
  );
  const r = await podkit(['kube', 'export', '-f', svc, '-f', path.join(dir, 'k8s')]);
  assert.equal(r.code, 0, r.err);
  const objects = objectsOf(r.out, 'several');
  assert.deepEqual(
    objects.map((o) => o.kind),
    [
      'Service',
      'Ingress',
      'NetworkPolicy',
      'HorizontalPodAutoscaler',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'Gateway',
      'Deployment',
    ],
  );
  // Only the Gateway (no schema here) is said; podkit's "ignored" warnings are not the cluster's.
  assert.deepEqual(r.err.trimEnd().split('\n'), [
    `warning: "Gateway" "web" (${around}): no gateway.networking.k8s.io/v1 Gateway schema here to check it against; exported as written`,
  ]);
  await assertSchemaValid(
    objects.filter((o) => o.kind !== 'Gateway'),
    'several',
  );
});

test('kube export: an object two files define is an error naming both, nothing printed', async (t) => {
  const dir = await tempDir(t);
  const a = path.join(dir, 'a.yaml');
  const b = path.join(dir, 'b.yaml');
  await writeFile(a, WEB);
  await writeFile(b, WEB);
  const r = await podkit(['kube', 'export', '-f', a, '-f', b]);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(
    r.err,
    new RegExp(
      `^${b}:1:1 metadata\\.name: duplicate Deployment name "web" in namespace "default": ${a}:1:1 defines it too$`,
      'm',
    ),
  );
  const none = await podkit(['kube', 'export']);
  assert.equal(none.code, 2);
  assert.match(none.err, /-f, --file/);
});

test('YAML output: 1.1 look-alikes quoted, round trip through the YAML 1.1 reader', () => {
  for (const s of [
    'yes',
    'No',
    'ON',
    'off',
    'y',
    '~',
    'null',
    '',
    '0644',
    '0o644',
    '0b1',
    '1_0',
    '.5',
    '1e3',
    '+1',
    '-.inf',
    '12:30',
    '2024-01-02',
  ]) {
    assert.ok(mustQuote(s), s);
  }
  for (const s of ['100m', '64Mi', 'nginx:1.22', 'hello', '/readyz', 'v1'])
    assert.ok(!mustQuote(s), s);
  const value = { data: { x: 'yes', mode: 420, n: null, list: ['0644', 1, true] } };
  const text = toKubeYaml([value, { b: 'on' }]);
  assert.equal(
    text,
    'data:\n  x: "yes"\n  mode: 420\n  "n": null\n  list:\n    - "0644"\n    - 1\n    - true\n---\nb: "on"\n',
  );
  const back = parseYamlDocuments(text, 'x').documents.map((d) => d.value);
  assert.deepEqual(back, [value, { b: 'on' }]);
});
