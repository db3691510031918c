import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { canonicalText, type WorkloadRecord } from '@podkit/runtime';
import type { ServiceRecord } from '@podkit/runtime/node';
import { parseManifests } from '@podkit/runtime/spec';
import type { WorkloadStatus } from '../workloads/workload-objects.js';
import { admit } from './admission.js';
import { claimObject, serviceObject, workloadObject } from './cluster-objects.js';
import type { ApiObject } from './objects.js';
import { forAdmission } from './stores.js';

// What a GET answers is accepted again by a PUT (kubectl edit, replace, apply's patches are
// computed against it): every Service, claim and workload of the examples (and a few
// objects with the fields they lack) survives object → API JSON → admission unchanged.

const EXAMPLES = path.resolve(import.meta.dirname, '../../../../examples');

const STATUS: WorkloadStatus = {
  replicas: 0,
  updatedReplicas: 0,
  updatedStartedReplicas: 0,
  updatedReadyReplicas: 0,
  updatedAvailableReplicas: 0,
  readyReplicas: 0,
  availableReplicas: 0,
  terminatingReplicas: 0,
  complete: false,
};

const EXTRA = `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  serviceName: db
  replicas: 2
  ordinals: { start: 3 }
  podManagementPolicy: Parallel
  updateStrategy: { type: RollingUpdate, rollingUpdate: { partition: 1 } }
  selector: { matchLabels: { app: db }, matchExpressions: [{ key: tier, operator: In, values: [a] }] }
  template:
    metadata: { labels: { app: db, tier: a }, annotations: { note: x } }
    spec: { containers: [{ name: c, image: busybox }] }
  volumeClaimTemplates:
    - metadata: { name: data }
      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: v1
kind: Service
metadata: { name: sticky }
spec:
  type: NodePort
  selector: { app: db }
  sessionAffinity: ClientIP
  sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }
  ports: [{ name: a, port: 80, targetPort: web, nodePort: 30080 }, { name: b, port: 53, protocol: UDP }]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec: { accessModes: [ReadWriteOnce], storageClassName: local, resources: { requests: { storage: 2Gi } } }
---
apiVersion: batch/v1
kind: Job
metadata: { name: once }
spec:
  completions: 3
  parallelism: 2
  backoffLimit: 2
  template: { spec: { restartPolicy: Never, containers: [{ name: c, image: busybox }] } }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent }
spec:
  selector: { matchLabels: { app: agent } }
  updateStrategy: { type: RollingUpdate, rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }
  template:
    metadata: { labels: { app: agent } }
    spec: { containers: [{ name: c, image: busybox }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: rec }
spec:
  strategy: { type: Recreate }
  selector: { matchLabels: { app: rec } }
  template:
    metadata: { labels: { app: rec } }
    spec: { containers: [{ name: c, image: busybox }] }
`;

async function manifests(): Promise<{ file: string; text: string }[]> {
  const out = [{ file: 'extra.yaml', text: EXTRA }];
  for (const dir of await readdir(EXAMPLES))
    for (const f of await readdir(path.join(EXAMPLES, dir)).catch(() => []))
      if (f.endsWith('.yaml'))
        out.push({ file: f, text: await readFile(path.join(EXAMPLES, dir, f), 'utf8') });
  return out;
}

const resourceOf: Record<string, string> = {
  Service: 'services',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Job: 'jobs',
};

test('every Service, claim and workload is admitted again as its API object, unchanged', async () => {
  let checked = 0;
  for (const { file, text } of await manifests()) {
    const set = parseManifests(text, file);
    const objects = [
      ...set.services,
      ...set.persistentVolumeClaims,
      ...set.deployments,
      ...set.statefulSets,
      ...set.jobs,
      ...set.daemonSets,
    ];
    for (const o of objects) {
      const uid = '00000000-0000-4000-a000-000000000001';
      const at = '2026-01-01T00:00:00Z';
      let api: ApiObject;
      if (o.kind === 'Service') {
        const record: ServiceRecord = { version: 1, uid, createdAt: at, source: file, service: o };
        api = serviceObject(record);
      } else if (o.kind === 'PersistentVolumeClaim')
        api = claimObject({
          version: 1,
          uid,
          createdAt: at,
          source: file,
          claim: o,
          volumeName: `pvc-${uid}`,
          path: '/x',
        });
      else {
        const record = { version: 1, kind: o.kind, uid, createdAt: at, source: file, object: o };
        api = workloadObject({ record: record as WorkloadRecord, status: STATUS });
      }
      const strip = forAdmission(resourceOf[o.kind] ?? '') ?? ((x) => x);
      const body = strip(JSON.parse(JSON.stringify(api)) as Record<string, unknown>);
      delete body.status;
      const again = admit(body, o.kind, o.metadata.namespace, 'Strict', o.apiVersion);
      const back = [
        ...again.set.services,
        ...again.set.persistentVolumeClaims,
        ...again.set.deployments,
        ...again.set.statefulSets,
        ...again.set.jobs,
        ...again.set.daemonSets,
      ][0];
      assert.ok(back !== undefined, `${file}: ${o.kind} ${o.metadata.name}`);
      assert.equal(
        canonicalText({ ...back, origin: undefined }),
        canonicalText({ ...o, origin: undefined }),
        `${file}: ${o.kind} ${o.metadata.name}`,
      );
      checked++;
    }
  }
  assert.ok(checked >= 19, `only ${String(checked)} objects checked`);
});
