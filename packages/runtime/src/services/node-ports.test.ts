import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admitPod } from '../pod/admission.js';
import { stateLayout } from '../state/state-root.js';
import { applyServiceRecords } from './service-store.js';
import { testPod, testService } from './test-objects.js';

// A NodePort and a hostPort are both DNAT rules for one host port (the proxy's table and
// portmap's chains): whichever runs first would win. Each side refuses the other.
test('a NodePort and a hostPort never share a host port: each is refused with who holds it', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-np-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const layout = stateLayout(root);
  const nodePort = 30123;
  await applyServiceRecords(
    layout,
    [
      testService(
        {
          type: 'NodePort',
          ports: [{ name: undefined, protocol: 'TCP', port: 80, targetPort: 80, nodePort }],
        },
        'np',
      ),
    ],
    'svc.yaml',
  );
  const pod = testPod(`
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: busybox
    ports: [{containerPort: 80, hostPort: ${nodePort}}]
`);
  await assert.rejects(
    admitPod(layout, pod, { configMaps: new Map(), secrets: new Map() }),
    new RegExp(
      `hostPort ${nodePort}/tcp is already published by Service default/np \\(its NodePort\\)`,
    ),
  );

  await assert.rejects(
    applyServiceRecords(
      layout,
      [
        testService(
          {
            type: 'NodePort',
            ports: [
              { name: undefined, protocol: 'TCP', port: 81, targetPort: 81, nodePort: 30124 },
            ],
          },
          'np2',
        ),
      ],
      'svc2.yaml',
      new Map([[30124, 'pod default/web']]),
    ),
    /Service default\/np2 \(svc\.yaml:1\): nodePort 30124 is published as a hostPort by pod default\/web/,
  );
  // An allocated one steers clear of every published host port.
  const taken = new Map<number, string>();
  for (let p = 30000; p <= 32767; p++) if (p !== 31000 && p !== nodePort) taken.set(p, 'pod x');
  const [r] = await applyServiceRecords(
    layout,
    [testService({ type: 'NodePort' }, 'np3')],
    'svc3.yaml',
    taken,
  );
  assert.equal(r?.service.spec.ports[0]?.nodePort, 31000);
});
