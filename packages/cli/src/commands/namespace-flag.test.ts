import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliTestEnv } from '../testing/cli-test-env.js';
import { until } from '../testing/until.js';

const pod = (namespace?: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: nsd${namespace === undefined ? '' : `\n  namespace: ${namespace}`}
spec:
  restartPolicy: Never
  containers:
    - name: c
      image: busybox:test
      # PID 1 of its namespace: SIGTERM stops it only through a trap.
      command: [sh, -c, 'trap "exit 0" TERM; echo in-team-a; while :; do sleep 0.2; done']
`;

test('-n NS up -f FILE puts a pod without metadata.namespace into NS; ps, logs, down -n find it; another namespace in the file is refused', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest('nsd.yaml', pod());
  const up = await env.run(['-n', 'team-a', 'up', '-d', '-f', file]);
  assert.equal(up.code, 0, up.err());

  const ps = await env.run(['ps']);
  assert.match(ps.out(), /^team-a\s+nsd\s+1\/1\s+Running\s/m);
  // The pod is not in default: a name without -n does not find it.
  assert.equal((await env.run(['logs', 'nsd'])).code, 1);
  const logs = await until(async () => {
    const r = await env.run(['-n', 'team-a', 'logs', 'nsd']);
    return r.code === 0 && r.out() === '' ? undefined : r;
  }, "the container's first line");
  assert.equal(logs.code, 0, logs.err());
  assert.equal(logs.out(), 'in-team-a\n');

  // kubectl's rule: a file's own namespace that differs from -n is an error; nothing changes.
  const other = await env.manifest('other.yaml', pod('team-b'));
  const refused = await env.run(['-n', 'team-a', 'up', '-d', '-f', other]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.err(),
    /metadata\.namespace: the namespace from the provided object "team-b" does not match the namespace "team-a"/,
  );
  const notDown = await env.run(['-n', 'team-a', 'down', '-f', other]);
  assert.equal(notDown.code, 1);
  assert.match(notDown.err(), /does not match the namespace "team-a"/);

  const down = await env.run(['-n', 'team-a', 'down', '-f', file]);
  assert.equal(down.code, 0, down.err());
  assert.equal(down.out(), 'pod/nsd removed\n');
  assert.match((await env.run(['ps', '-a'])).err(), /^No pods\.\n$/);
});
