import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiagnostic } from './diagnostic.js';
import { parseManifests, type ManifestSet } from './manifests.js';
import type { StatefulSet } from './types.js';

/** A StatefulSet document; `spec` lines go under `spec:` (before selector and template). */
function sts(
  spec: string[] = [],
  o: { name?: string; volumes?: string[]; mounts?: string } = {},
): string {
  return [
    'apiVersion: apps/v1',
    'kind: StatefulSet',
    `metadata: {name: ${o.name ?? 'db'}}`,
    'spec:',
    ...spec.map((l) => `  ${l}`),
    '  selector: {matchLabels: {app: db}}',
    '  template:',
    '    metadata: {labels: {app: db}}',
    '    spec:',
    ...(o.volumes ?? []).map((l) => `      ${l}`),
    '      containers:',
    `        - {name: c, image: busybox${o.mounts === undefined ? '' : `, volumeMounts: [${o.mounts}]`}}`,
    '',
  ].join('\n');
}

function parse(text: string): ManifestSet {
  return parseManifests(text, 's.yaml');
}

function only(text: string, expected: string[] = []): StatefulSet {
  const set = parse(text);
  assert.deepEqual(set.diagnostics.map(formatDiagnostic), expected);
  assert.equal(set.statefulSets.length, 1);
  assert.equal(set.pods.length, 0);
  return set.statefulSets[0]!;
}

const CLAIM = [
  'volumeClaimTemplates:',
  '  - metadata: {name: data}',
  '    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}',
];

describe('StatefulSet: defaults (SetDefaults_StatefulSet)', () => {
  it('OrderedReady, RollingUpdate partition 0, 1 replica, start ordinal 0', () => {
    const s = only(sts(['serviceName: db']));
    assert.equal(s.spec.replicas, 1);
    assert.equal(s.spec.serviceName, 'db');
    assert.equal(s.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(s.spec.updateStrategy, {
      type: 'RollingUpdate',
      rollingUpdate: { partition: 0 },
    });
    assert.equal(s.spec.startOrdinal, 0);
    assert.equal(s.spec.minReadySeconds, 0);
    assert.equal(s.spec.revisionHistoryLimit, 10);
    assert.deepEqual(s.spec.volumeClaimTemplates, []);
    assert.equal(s.spec.template.spec.restartPolicy, 'Always');
  });

  it('Parallel, OnDelete, a partition, ordinals.start and 3 replicas are read', () => {
    const s = only(
      sts([
        'replicas: 3',
        'podManagementPolicy: Parallel',
        'ordinals: {start: 5}',
        'minReadySeconds: 2',
      ]),
    );
    assert.equal(s.spec.replicas, 3);
    assert.equal(s.spec.podManagementPolicy, 'Parallel');
    assert.equal(s.spec.startOrdinal, 5);
    assert.equal(s.spec.minReadySeconds, 2);
    const onDelete = only(sts(['updateStrategy: {type: OnDelete}']));
    assert.deepEqual(onDelete.spec.updateStrategy, { type: 'OnDelete' });
    const part = only(sts(['updateStrategy: {rollingUpdate: {partition: 2}}']));
    assert.deepEqual(part.spec.updateStrategy, {
      type: 'RollingUpdate',
      rollingUpdate: { partition: 2 },
    });
  });

  it('volumeClaimTemplates: typed claims, and the template may mount them', () => {
    const s = only(sts([...CLAIM], { mounts: '{name: data, mountPath: /data}' }));
    assert.deepEqual(s.spec.volumeClaimTemplates, [
      {
        metadata: { name: 'data', labels: {}, annotations: {} },
        spec: { accessModes: ['ReadWriteOnce'], storage: '1Gi', storageClassName: undefined },
      },
    ]);
  });
});

describe('StatefulSet: validation (ValidateStatefulSetSpec), with file:line:column', () => {
  it('a mount of a volume neither the template nor a claim template has', () => {
    assert.deepEqual(
      parse(sts([], { mounts: '{name: data, mountPath: /data}' })).diagnostics.map((d) => [
        d.path,
        d.code,
      ]),
      [['spec.template.spec.containers[0].volumeMounts[0].name', 'not-found']],
    );
  });

  it('bad enums, negative counts, an empty selector, OnDelete with rollingUpdate', () => {
    const text = sts([
      'replicas: -1',
      'podManagementPolicy: Sequential',
      'updateStrategy: {type: OnDelete, rollingUpdate: {partition: 1}}',
    ]);
    assert.deepEqual(
      parse(text).diagnostics.map((d) => [d.path, d.line, d.code]),
      [
        ['spec.replicas', 5, 'out-of-range'],
        ['spec.podManagementPolicy', 6, 'invalid-value'],
        ['spec.updateStrategy.rollingUpdate', 7, 'forbidden'],
      ],
    );
    const empty = parse(sts([]).replace('{matchLabels: {app: db}}', '{}'));
    assert.match(
      formatDiagnostic(empty.diagnostics[0]!),
      /spec\.selector: empty selector is invalid for statefulset/,
    );
  });

  it('a selector that does not match the template labels', () => {
    const set = parse(sts([]).replace('{labels: {app: db}}', '{labels: {app: other}}'));
    assert.deepEqual(set.diagnostics.map(formatDiagnostic), [
      's.yaml:7:24 spec.template.metadata.labels: `selector` does not match template `labels` (app=db)',
    ]);
  });

  it('restartPolicy must be Always', () => {
    const set = parse(sts([]).replace('    spec:\n', '    spec:\n      restartPolicy: Never\n'));
    assert.match(
      set.diagnostics.map(formatDiagnostic).join('\n'),
      /spec\.template\.spec\.restartPolicy: must be Always, got "Never" \(the pods of a StatefulSet always restart\)/,
    );
  });

  it('a claim template without storage, a bad access mode, a duplicate name', () => {
    const text = sts([
      'volumeClaimTemplates:',
      '  - metadata: {name: data}',
      '    spec: {accessModes: [ReadWriteSome], resources: {requests: {}}}',
      '  - metadata: {name: zero}',
      '    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 0}}}',
      '  - metadata: {name: good}',
      '    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}',
      '  - metadata: {name: good}',
      '    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}',
    ]);
    assert.deepEqual(
      parse(text).diagnostics.map((d) => [d.path, d.code]),
      [
        ['spec.volumeClaimTemplates[0].spec.accessModes[0]', 'invalid-value'],
        ['spec.volumeClaimTemplates[0].spec.resources.requests.storage', 'required'],
        ['spec.volumeClaimTemplates[1].spec.resources.requests.storage', 'out-of-range'],
        ['spec.volumeClaimTemplates[3].metadata.name', 'duplicate'],
      ],
    );
  });

  it('a name whose pods would not be DNS labels (dots: the hostname)', () => {
    const set = parse(sts([], { name: 'my.db' }));
    assert.deepEqual(set.diagnostics.map(formatDiagnostic), [
      "s.yaml:3:18 metadata.name: its pods are named my.db-0 and so on, and a pod's name is its hostname: must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit), got \"my.db-0\"",
    ]);
  });

  it('replicas > 1 with a hostPort is refused with the reason', () => {
    const set = parse(
      sts(['replicas: 2']).replace(
        'image: busybox',
        'image: busybox, ports: [{containerPort: 80, hostPort: 8080}]',
      ),
    );
    assert.match(
      set.diagnostics.map(formatDiagnostic).join('\n'),
      /spec\.replicas: 2 replicas cannot run on one machine: the template binds host port 8080/,
    );
  });

  it('persistentVolumeClaimRetentionPolicy Delete is refused; maxUnavailable ignored', () => {
    const set = parse(
      sts([
        'persistentVolumeClaimRetentionPolicy: {whenScaled: Delete}',
        'updateStrategy: {rollingUpdate: {maxUnavailable: 2}}',
      ]),
    );
    assert.deepEqual(
      set.diagnostics.map((d) => [d.severity, d.path, d.code]),
      [
        ['error', 'spec.persistentVolumeClaimRetentionPolicy.whenScaled', 'unsupported'],
        ['warning', 'spec.updateStrategy.rollingUpdate.maxUnavailable', 'ignored'],
      ],
    );
  });
});

describe('PersistentVolumeClaim', () => {
  const pvc = (spec: string) =>
    `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec: ${spec}\n`;

  it('is read, typed, with its size and access modes kept', () => {
    const set = parse(
      pvc(
        '{accessModes: [ReadWriteOnce], storageClassName: local-path, resources: {requests: {storage: 500Mi}}}',
      ),
    );
    assert.deepEqual(set.diagnostics, []);
    assert.deepEqual(set.persistentVolumeClaims[0]?.spec, {
      accessModes: ['ReadWriteOnce'],
      storage: '500Mi',
      storageClassName: 'local-path',
    });
  });

  it('the API server rules: access modes required, ReadWriteOncePod alone, limits ≥ requests, Block refused', () => {
    assert.deepEqual(
      parse(pvc('{resources: {requests: {storage: 1Gi}}}')).diagnostics.map((d) => [
        d.path,
        d.code,
      ]),
      [['spec.accessModes', 'required']],
    );
    assert.deepEqual(
      parse(
        pvc(
          '{accessModes: [ReadWriteOncePod, ReadWriteOnce], volumeMode: Block, resources: {requests: {storage: 2Gi}, limits: {storage: 1Gi}}}',
        ),
      ).diagnostics.map((d) => [d.path, d.code]),
      [
        ['spec.accessModes', 'invalid-value'],
        ['spec.volumeMode', 'unsupported'],
        ['spec.resources.limits.storage', 'out-of-range'],
      ],
    );
  });

  it('a pod volume persistentVolumeClaim is read (claimName required)', () => {
    const pod = (src: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: d, persistentVolumeClaim: ${src}}]\n  containers: [{name: c, image: busybox, volumeMounts: [{name: d, mountPath: /d}]}]\n`;
    const set = parse(pod('{claimName: data, readOnly: true}'));
    assert.deepEqual(set.diagnostics, []);
    assert.deepEqual(set.pods[0]?.spec.volumes[0], {
      name: 'd',
      persistentVolumeClaim: { claimName: 'data', readOnly: true },
    });
    assert.deepEqual(
      parse(pod('{}')).diagnostics.map((d) => [d.path, d.code]),
      [['spec.volumes[0].persistentVolumeClaim.claimName', 'required']],
    );
  });
});
