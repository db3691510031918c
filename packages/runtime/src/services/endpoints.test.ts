import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceEndpoints } from './endpoints.js';
import { testPod, testRecord, testService } from './test-objects.js';

const podYaml = (name: string, labels: string, extra = ''): string => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {${labels}}}
spec:
${extra}  containers:
  - name: app
    image: busybox
    ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 5353, protocol: UDP}]
`;

test('endpoints: pods of the namespace whose labels match, Ready, with an IP, sorted by name', () => {
  const pods = [
    testRecord(testPod(podYaml('web-b', 'app: web, tier: fe')), { ip: '10.89.0.3' }),
    testRecord(testPod(podYaml('web-a', 'app: web')), { ip: '10.89.0.2' }),
    testRecord(testPod(podYaml('other', 'app: db')), { ip: '10.89.0.4' }),
    testRecord(testPod(podYaml('unready', 'app: web')), { ip: '10.89.0.6', ready: false }),
    testRecord(testPod(podYaml('done', 'app: web')), { ip: '10.89.0.7', phase: 'Succeeded' }),
    testRecord(testPod(podYaml('noip', 'app: web')), { ip: '' }),
    testRecord(
      testPod(podYaml('stopping', 'app: web')),
      { ip: '10.89.0.8' },
      {
        deletionTimestamp: '2026-12-07T00:00:01Z',
      },
    ),
    testRecord(testPod(podYaml('released', 'app: web')), { ip: '10.89.0.9' }, { released: true }),
  ];
  const eps = serviceEndpoints(testService(), pods);
  assert.deepEqual(
    eps.map((e) => [e.podName, e.ip, e.ready, e.ports]),
    [
      ['web-a', '10.89.0.2', true, { '': 8080 }],
      ['web-b', '10.89.0.3', true, { '': 8080 }],
    ],
  );
  const other = testPod(podYaml('web-x', 'app: web'));
  other.metadata.namespace = 'prod';
  assert.deepEqual(serviceEndpoints(testService(), [testRecord(other)]), []);
});

test('endpoints: publishNotReadyAddresses keeps unready pods; an empty selector selects nothing', () => {
  const pods = [testRecord(testPod(podYaml('u', 'app: web')), { ready: false })];
  assert.deepEqual(
    serviceEndpoints(testService({ publishNotReadyAddresses: true }), pods).map((e) => [
      e.podName,
      e.ready,
    ]),
    [['u', false]],
  );
  assert.deepEqual(serviceEndpoints(testService({ selector: {} }), pods), []);
});

test('endpoints: a named targetPort resolves per pod, by name and protocol; a pod without it is left out', () => {
  const svc = testService({
    ports: [
      { name: 'web', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: undefined },
      { name: 'dns', protocol: 'UDP', port: 53, targetPort: 'dns', nodePort: undefined },
      { name: 'wrongproto', protocol: 'TCP', port: 54, targetPort: 'dns', nodePort: undefined },
    ],
  });
  const withPorts = testRecord(testPod(podYaml('a', 'app: web')));
  const without = testRecord(
    testPod(`
apiVersion: v1
kind: Pod
metadata: {name: b, labels: {app: web}}
spec:
  containers: [{name: app, image: busybox}]
`),
  );
  const eps = serviceEndpoints(svc, [withPorts, without]);
  assert.deepEqual(
    eps.map((e) => [e.podName, e.ports]),
    [['a', { web: 8080, dns: 5353 }]],
  );
});

test('endpoints: the hostname of a pod whose subdomain is the Service', () => {
  const pod = testPod(podYaml('redis-0', 'app: web', '  hostname: redis-0\n  subdomain: web\n'));
  const plain = testPod(podYaml('x', 'app: web', '  hostname: x\n  subdomain: other\n'));
  const eps = serviceEndpoints(testService({ clusterIP: 'None' }), [
    testRecord(pod),
    testRecord(plain),
  ]);
  assert.deepEqual(
    eps.map((e) => [e.podName, e.hostname]),
    [
      ['redis-0', 'redis-0'],
      ['x', undefined],
    ],
  );
});
