import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceEnvVars } from './service-env.js';

test('service env: kubelet names and values, headless Services left out', () => {
  const env = serviceEnvVars([
    {
      name: 'redis-master',
      clusterIP: '10.96.3.4',
      ports: [
        { name: 'redis', port: 6379, protocol: 'TCP' },
        { name: 'metrics', port: 9121, protocol: 'TCP' },
      ],
    },
    { name: 'dns', clusterIP: 'None', ports: [{ name: undefined, port: 53, protocol: 'UDP' }] },
  ]);
  assert.deepEqual(Object.fromEntries(env.map((e) => [e.name, e.value])), {
    REDIS_MASTER_SERVICE_HOST: '10.96.3.4',
    REDIS_MASTER_SERVICE_PORT: '6379',
    REDIS_MASTER_SERVICE_PORT_REDIS: '6379',
    REDIS_MASTER_SERVICE_PORT_METRICS: '9121',
    REDIS_MASTER_PORT: 'tcp://10.96.3.4:6379',
    REDIS_MASTER_PORT_6379_TCP: 'tcp://10.96.3.4:6379',
    REDIS_MASTER_PORT_6379_TCP_PROTO: 'tcp',
    REDIS_MASTER_PORT_6379_TCP_PORT: '6379',
    REDIS_MASTER_PORT_6379_TCP_ADDR: '10.96.3.4',
    REDIS_MASTER_PORT_9121_TCP: 'tcp://10.96.3.4:9121',
    REDIS_MASTER_PORT_9121_TCP_PROTO: 'tcp',
    REDIS_MASTER_PORT_9121_TCP_PORT: '9121',
    REDIS_MASTER_PORT_9121_TCP_ADDR: '10.96.3.4',
  });
});

test("service env comes first: a container's own variable wins, and $(VAR) may name a Service's", async () => {
  const { resolveContainerEnv } = await import('../pod/container-env.js');
  const { testPod } = await import('./test-objects.js');
  const pod = testPod(`
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: app
    image: busybox
    env:
    - {name: WEB_SERVICE_PORT, value: "9999"}
    - {name: URL, value: "http://$(WEB_SERVICE_HOST):80"}
`);
  const c = pod.spec.containers[0];
  assert.ok(c !== undefined);
  const { env } = resolveContainerEnv(
    c,
    { configMaps: new Map(), secrets: new Map() },
    undefined,
    serviceEnvVars([
      {
        name: 'web',
        clusterIP: '10.96.0.9',
        ports: [{ name: undefined, port: 80, protocol: 'TCP' }],
      },
    ]),
  );
  const map = Object.fromEntries(env.map((e) => [e.name, e.value]));
  assert.equal(map.WEB_SERVICE_HOST, '10.96.0.9');
  assert.equal(map.WEB_SERVICE_PORT, '9999');
  assert.equal(map.URL, 'http://10.96.0.9:80');
});
