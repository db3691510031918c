import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stateLayout } from '../state/state-root.js';
import { inServiceRange } from './service-ips.js';
import { applyServiceRecords, listServiceRecords, removeServiceRecord } from './service-store.js';
import { testService } from './test-objects.js';

async function layout(t: { after: (fn: () => Promise<void>) => void }) {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-svc-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return stateLayout(root);
}

test('a new Service gets a free ClusterIP in the range; re-applying keeps it', async (t) => {
  const l = await layout(t);
  const [a] = await applyServiceRecords(l, [testService()], 'a.yaml');
  assert.ok(a !== undefined);
  const ip = a.service.spec.clusterIP;
  assert.ok(ip !== undefined && inServiceRange(ip) && ip !== '10.96.0.1', String(ip));
  const again = (
    await applyServiceRecords(
      l,
      [
        testService({
          ports: [
            { name: undefined, protocol: 'TCP', port: 81, targetPort: 81, nodePort: undefined },
          ],
        }),
      ],
      'a.yaml',
    )
  ).at(0);
  assert.ok(again !== undefined);
  assert.equal(again.service.spec.clusterIP, ip);
  assert.equal(again.uid, a.uid);
  assert.equal((await listServiceRecords(l))[0]?.service.spec.ports[0]?.port, 81);
});

test('clusterIP is immutable, a taken one is refused, and a refused file writes nothing', async (t) => {
  const l = await layout(t);
  await applyServiceRecords(l, [testService({ clusterIP: '10.96.7.7' })], 'a.yaml');
  await assert.rejects(
    applyServiceRecords(l, [testService({ clusterIP: '10.96.7.8' })], 'a.yaml'),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SERVICE_INVALID');
      assert.match(
        err.message,
        /Service default\/web \(svc\.yaml:1\): spec\.clusterIP is immutable \(it is 10\.96\.7\.7/,
      );
      return true;
    },
  );
  await assert.rejects(
    applyServiceRecords(
      l,
      [testService({}, 'fresh'), testService({ clusterIP: '10.96.7.7' }, 'clash')],
      'b.yaml',
    ),
    /clusterIP 10\.96\.7\.7 is already allocated/,
  );
  await assert.rejects(
    applyServiceRecords(l, [testService({ clusterIP: '192.168.1.1' }, 'out')], 'c.yaml'),
    /not in podkit's service range/,
  );
  assert.deepEqual(
    (await listServiceRecords(l)).map((r) => r.service.metadata.name),
    ['web'],
  );
});

test('NodePorts are allocated in 30000–32767 and kept; headless gets None; remove deletes', async (t) => {
  const l = await layout(t);
  const np = testService({ type: 'NodePort' }, 'np');
  const [first] = await applyServiceRecords(
    l,
    [np, testService({ clusterIP: 'None' }, 'hl')],
    'a.yaml',
  );
  const port = first?.service.spec.ports[0]?.nodePort;
  assert.ok(port !== undefined && port >= 30000 && port <= 32767);
  const [again] = await applyServiceRecords(l, [np], 'a.yaml');
  assert.equal(again?.service.spec.ports[0]?.nodePort, port);
  await assert.rejects(
    applyServiceRecords(
      l,
      [
        testService(
          {
            type: 'NodePort',
            ports: [{ name: undefined, protocol: 'TCP', port: 1, targetPort: 1, nodePort: port }],
          },
          'np2',
        ),
      ],
      'b.yaml',
    ),
    /nodePort \d+ is already allocated/,
  );
  const hl = (await listServiceRecords(l)).find((r) => r.service.metadata.name === 'hl');
  assert.equal(hl?.service.spec.clusterIP, 'None');
  assert.equal(await removeServiceRecord(l, 'default', 'hl'), true);
  assert.equal(await removeServiceRecord(l, 'default', 'hl'), false);
  assert.deepEqual(await readdir(path.join(l.root, 'services', 'default')), ['np.json']);
});
