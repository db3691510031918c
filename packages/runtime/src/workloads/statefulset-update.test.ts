import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseManifests } from '../spec/manifests.js';
import type { StatefulSet } from '../spec/types.js';
import { statefulSetUpdateProblem } from './statefulset-update.js';

function sts(lines: string[]): StatefulSet {
  const set = parseManifests(
    [
      'apiVersion: apps/v1',
      'kind: StatefulSet',
      'metadata: {name: db}',
      'spec:',
      ...lines.map((l) => `  ${l}`),
      '  selector: {matchLabels: {app: db}}',
      '  template:',
      '    metadata: {labels: {app: db}}',
      '    spec: {containers: [{name: c, image: busybox}]}',
    ].join('\n'),
    's.yaml',
  );
  const s = set.statefulSets[0];
  assert.ok(s, JSON.stringify(set.diagnostics));
  return s;
}

it('a StatefulSet update may change replicas, strategy, minReadySeconds; not serviceName, podManagementPolicy or claim templates', () => {
  const base = sts(['serviceName: db', 'replicas: 1']);
  assert.equal(
    statefulSetUpdateProblem(
      base,
      sts([
        'serviceName: db',
        'replicas: 5',
        'minReadySeconds: 3',
        'updateStrategy: {type: OnDelete}',
      ]),
    ),
    undefined,
  );
  assert.match(
    statefulSetUpdateProblem(base, sts(['serviceName: other', 'podManagementPolicy: Parallel'])) ??
      '',
    /^updates to statefulset spec for fields other than 'replicas', .* are forbidden \(changed: serviceName, podManagementPolicy\)$/,
  );
  const claims = sts([
    'serviceName: db',
    'volumeClaimTemplates: [{metadata: {name: d}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]',
  ]);
  assert.match(statefulSetUpdateProblem(base, claims) ?? '', /\(changed: volumeClaimTemplates\)$/);
});
