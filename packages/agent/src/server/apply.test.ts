import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import type { PodRecord, ServiceRecord } from '@podkit/runtime';
import type { ApplyInput } from '@podkit/runtime/node';
import type { ApplyLine, ApplyRequest } from '../apply-wire.js';
import { AgentErrorCode } from '../errors.js';
import { applyManifest, applyRequestOf, type ApplyRuntime } from './apply.js';

const FILE = 'app.yaml';

const APP = `apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { level: debug }
---
apiVersion: v1
kind: Secret
metadata: { name: token }
data: { key: AAEC/w== }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: lonely }
spec:
  selector: { app: nobody }
  ports: [{ port: 80 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  replicas: 2
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec: { containers: [{ name: c, image: busybox }] }
---
apiVersion: v1
kind: Pod
metadata: { name: web, labels: { app: web } }
spec:
  nodeSelector: { disktype: ssd }
  containers:
    - name: c
      image: busybox
      envFrom: [{ configMapRef: { name: settings } }]
`;

/** A runtime that records what it was asked and answers like NodeRuntime. */
function fakeRuntime(): ApplyRuntime & { inputs: ApplyInput[] } {
  const inputs: ApplyInput[] = [];
  let pods: PodRecord[] = [];
  let services: ServiceRecord[] = [];
  return {
    inputs,
    apply: (input) => {
      inputs.push(input);
      input.pull?.onEvent?.('busybox', { type: 'resolved', image: 'busybox' } as never);
      pods = input.pods.map(
        (pod) =>
          ({
            uid: `uid-${pod.metadata.name}`,
            name: pod.metadata.name,
            namespace: pod.metadata.namespace,
            pod,
          }) as unknown as PodRecord,
      );
      services = (input.services ?? []).map((service, i) => ({
        version: 1,
        uid: `svc-${String(i)}`,
        createdAt: '2026-01-01T00:00:00Z',
        source: input.source ?? '',
        service: { ...service, spec: { ...service.spec, clusterIP: `10.96.0.${String(i + 10)}` } },
      }));
      return Promise.resolve(pods);
    },
    list: () => Promise.resolve(pods),
    listServices: () => Promise.resolve(services),
  };
}

async function apply(
  rt: ApplyRuntime,
  request: Partial<ApplyRequest> & { manifest: string },
): Promise<ApplyLine[]> {
  const lines: ApplyLine[] = [];
  await applyManifest(
    rt,
    { file: FILE, ...request },
    (l) => lines.push(l),
    new AbortController().signal,
  );
  return lines;
}

test('an invalid file: the verdict with every diagnostic, and nothing applied', async () => {
  const rt = fakeRuntime();
  const lines = await apply(rt, {
    manifest:
      'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n    - name: c\n      image: busybox\n      imagePullPolice: Always\n',
  });
  assert.equal(lines.length, 1);
  const [verdict] = lines;
  assert.ok(verdict?.type === 'manifest' && !verdict.valid);
  assert.deepEqual(
    verdict.diagnostics.map((d) => `${d.file}:${String(d.line)}:${String(d.column)} ${d.path}`),
    ['app.yaml:8:7 spec.containers[0].imagePullPolice'],
  );
  assert.deepEqual(rt.inputs, []);
});

test('a file with only a ConfigMap is valid but runs nothing: not applied', async () => {
  const rt = fakeRuntime();
  const lines = await apply(rt, {
    manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n',
  });
  assert.deepEqual(lines, [{ type: 'manifest', diagnostics: [], valid: true, runnable: false }]);
  assert.deepEqual(rt.inputs, []);
});

test('a valid file is applied whole in the namespace asked for; the result says what was made', async () => {
  const rt = fakeRuntime();
  const lines = await apply(rt, { manifest: APP, namespace: 'team-a', replaceEnded: true });
  assert.deepEqual(
    lines.map((l) => l.type),
    ['manifest', 'pull', 'result'],
  );
  const [verdict, , result] = lines;
  assert.ok(verdict?.type === 'manifest' && verdict.valid && verdict.runnable);
  // A warning (nodeSelector: ignored on one machine) does not stop the apply.
  assert.deepEqual(
    verdict.diagnostics.map((d) => `${d.severity} ${d.path}`),
    ['warning spec.nodeSelector'],
  );

  const [input] = rt.inputs;
  assert.ok(input !== undefined);
  assert.deepEqual(
    input.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
    ['team-a/web'],
  );
  assert.deepEqual(
    input.services?.map((s) => s.metadata.name),
    ['web', 'lonely'],
  );
  assert.deepEqual(
    input.deployments?.map((d) => d.metadata.name),
    ['api'],
  );
  assert.deepEqual(input.replicaSets, []);
  assert.deepEqual(
    input.configMaps.map((m) => m.metadata.name),
    ['settings'],
  );
  assert.deepEqual(
    input.secrets.map((s) => s.metadata.name),
    ['token'],
  );
  // Each record's source is its object's own file.
  assert.equal(input.source, undefined);
  assert.equal(input.pods[0]?.origin.file, FILE);
  assert.ok(input.onReplaced !== undefined);

  assert.ok(result?.type === 'result');
  assert.deepEqual(
    result.records.map((r) => r.name),
    ['web'],
  );
  assert.deepEqual(
    result.services.map((s) => [
      s.record.service.metadata.name,
      s.record.service.spec.clusterIP,
      s.selectsPods,
    ]),
    [
      ['web', '10.96.0.10', true],
      ['lonely', '10.96.0.11', false],
    ],
  );
  assert.deepEqual(
    result.workloads.map(
      (w) =>
        `${w.kind}/${w.metadata.namespace}/${w.metadata.name} ${w.kind === 'Deployment' ? String(w.spec.replicas) : '?'}`,
    ),
    ['Deployment/team-a/api 2'],
  );
});

test('a namespace in the file other than the one asked for is an error: nothing applied', async () => {
  const rt = fakeRuntime();
  const lines = await apply(rt, {
    manifest: APP.replace('name: api }', 'name: api, namespace: b }'),
    namespace: 'team-a',
  });
  assert.equal(lines.length, 1);
  assert.ok(lines[0]?.type === 'manifest' && !lines[0].valid);
  assert.match(lines[0].diagnostics[0]?.message ?? '', /does not match the namespace "team-a"/);
  assert.deepEqual(rt.inputs, []);
});

test('a body without the manifest text is a bad request', () => {
  for (const body of [
    null,
    'x',
    {},
    { manifest: 'a' },
    { manifest: 'a', file: 1 },
    { manifest: 'a', file: 'f', namespace: 2 },
    { files: [] },
    { files: [{ manifest: 'a' }] },
    { files: 'a' },
  ]) {
    assert.throws(
      () => applyRequestOf(body),
      (err) => isPodkitError(err, AgentErrorCode.AGENT_BAD_REQUEST),
      JSON.stringify(body),
    );
  }
  assert.deepEqual(applyRequestOf({ manifest: 'a', file: 'f' }), { manifest: 'a', file: 'f' });
  const files = { files: [{ manifest: 'a', file: 'f' }] };
  assert.deepEqual(applyRequestOf(files), files);
});

const SERVICE_FILE =
  'apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  selector: {app: db}\n  ports: [{port: 5432}]\n';
const CONFIG_FILE =
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {level: debug}\n';
const POD_FILE =
  'apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n    - name: c\n      image: busybox\n      envFrom: [{configMapRef: {name: settings}}]\n';

async function applyFiles(
  rt: ApplyRuntime,
  files: { file: string; manifest: string }[],
): Promise<ApplyLine[]> {
  const lines: ApplyLine[] = [];
  await applyManifest(rt, { files }, (l) => lines.push(l), new AbortController().signal);
  return lines;
}

test('several files are applied as one set: one runtime apply with the objects of all of them', async () => {
  const rt = fakeRuntime();
  const lines = await applyFiles(rt, [
    { file: 'svc.yaml', manifest: SERVICE_FILE },
    { file: 'conf/settings.yaml', manifest: CONFIG_FILE },
    { file: 'conf/app.yaml', manifest: POD_FILE },
  ]);
  assert.deepEqual(
    lines.map((l) => l.type),
    ['manifest', 'pull', 'result'],
  );
  assert.equal(rt.inputs.length, 1);
  const [input] = rt.inputs;
  assert.ok(input !== undefined);
  assert.deepEqual(
    [
      ...(input.services ?? []).map((s) => `${s.metadata.name} ${s.origin.file}`),
      ...input.configMaps.map((m) => `${m.metadata.name} ${m.origin.file}`),
      ...input.pods.map((p) => `${p.metadata.name} ${p.origin.file}`),
    ],
    ['db svc.yaml', 'settings conf/settings.yaml', 'app conf/app.yaml'],
  );
  const result = lines[2];
  assert.ok(result?.type === 'result');
  assert.deepEqual(
    result.services.map((s) => s.record.service.metadata.name),
    ['db'],
  );
});

test('an error in one of several files: every diagnostic of every file, nothing applied', async () => {
  const rt = fakeRuntime();
  const lines = await applyFiles(rt, [
    { file: 'svc.yaml', manifest: SERVICE_FILE.replace('port: 5432', 'port: 99999') },
    { file: 'app.yaml', manifest: POD_FILE.replace('image: busybox', 'imag: busybox') },
  ]);
  assert.equal(lines.length, 1);
  const [verdict] = lines;
  assert.ok(verdict?.type === 'manifest' && !verdict.valid);
  assert.deepEqual([...new Set(verdict.diagnostics.map((d) => d.file))], ['svc.yaml', 'app.yaml']);
  assert.deepEqual(rt.inputs, []);
});

test('one object in two files is an error naming both places: nothing applied', async () => {
  const rt = fakeRuntime();
  const lines = await applyFiles(rt, [
    { file: 'a.yaml', manifest: SERVICE_FILE },
    { file: 'b.yaml', manifest: `${POD_FILE}---\n${SERVICE_FILE}` },
  ]);
  assert.equal(lines.length, 1);
  const [verdict] = lines;
  assert.ok(verdict?.type === 'manifest' && !verdict.valid);
  assert.deepEqual(
    verdict.diagnostics.map((d) => `${d.file}:${String(d.line)} ${d.message}`),
    ['b.yaml:10 duplicate Service name "db" in namespace "default": a.yaml:1:1 defines it too'],
  );
  assert.deepEqual(rt.inputs, []);
});
