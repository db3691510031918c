import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLogs } from '../logs/cri-log-reader.js';
import type { StateLayout } from '../state/state-root.js';
import { waitForPod } from './wait-for-pod.js';
import { containerLogPath, type PodRecord } from './pod-store.js';
import { podTestEnv } from './test-pod-env.js';

async function logLines(layout: StateLayout, uid: string, container: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const e of readLogs(containerLogPath(layout, uid, container)))
    lines.push(e.line.toString('utf8'));
  return lines;
}

const ended = (r: PodRecord): boolean => r.released;

test('configMap defaultMode 0644, secret and downwardAPI contents, readOnly mounts refuse writes', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const rec = await up(`
apiVersion: v1
kind: ConfigMap
metadata: { name: web }
data: { index.html: "<h1>hi</h1>" }
---
apiVersion: v1
kind: Secret
metadata: { name: creds }
stringData: { password: s3cret }
---
apiVersion: v1
kind: Pod
metadata: { name: vols, labels: { app: vols } }
spec:
  restartPolicy: Never
  volumes:
    - { name: web, configMap: { name: web, defaultMode: 0644 } }
    - { name: creds, secret: { secretName: creds } }
    - name: info
      downwardAPI: { items: [{ path: labels, fieldRef: { fieldPath: metadata.labels } }, { path: name, fieldRef: { fieldPath: metadata.name } }] }
    - { name: scratch, emptyDir: {} }
  containers:
    - name: c
      image: busybox:test
      command:
        - sh
        - -c
        - |
          ls -l /web/index.html | cut -c1-10
          cat /web/index.html; echo
          cat /creds/password; echo
          cat /info/labels; echo
          cat /info/name; echo
          if touch /ro/x 2>/dev/null; then echo ro-writable; else echo ro-refused; fi
          if touch /web/x 2>/dev/null; then echo cm-writable; else echo cm-refused; fi
          touch /scratch/ok && echo rw-ok
      volumeMounts:
        - { name: web, mountPath: /web }
        - { name: creds, mountPath: /creds }
        - { name: info, mountPath: /info }
        - { name: scratch, mountPath: /ro, readOnly: true }
        - { name: scratch, mountPath: /scratch }
`);
  const done = await waitForPod(layout, rec.uid, ended, { timeoutMs: 30_000 });
  assert.equal(done.status.phase, 'Succeeded', JSON.stringify(done.status));
  assert.deepEqual(await logLines(layout, rec.uid, 'c'), [
    '-rw-r--r--',
    '<h1>hi</h1>',
    's3cret',
    'app="vols"',
    'vols',
    'ro-refused',
    'cm-refused',
    'rw-ok',
  ]);
});

test('a container exit code is kept in the status and the pod phase follows it', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: exits }
spec:
  restartPolicy: Never
  containers:
    - { name: c, image: busybox:test, command: [sh, -c, 'echo bye; exit 3'] }
`);
  const done = await waitForPod(layout, rec.uid, ended, { timeoutMs: 30_000 });
  assert.equal(done.status.phase, 'Failed');
  const c = done.status.containerStatuses[0];
  const term = c?.state.terminated;
  assert.ok(term !== undefined);
  assert.equal(term.exitCode, 3);
  assert.equal(term.reason, 'Error');
  assert.deepEqual(await logLines(layout, rec.uid, 'c'), ['bye']);
});
