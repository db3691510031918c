import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifests } from '../spec/index.js';
import { podChange } from './pod-change.js';

function pod(body: string, file = 'a.yaml') {
  const set = parseManifests(
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: p}\nspec:\n  containers:\n${body}`,
    file,
  );
  const p = set.pods[0];
  if (p === undefined) throw new Error(JSON.stringify(set.diagnostics));
  return p;
}

test('podChange: the same pod from another file or place is unchanged; a field that differs is named', () => {
  const base = pod('    - name: c\n      image: busybox\n      command: [sh]\n');
  // Where the manifest sits does not count; defaults make the same spec.
  assert.equal(
    podChange(base, pod('    - name: c\n      image: busybox\n      command: [sh]\n', 'b.yaml')),
    undefined,
  );
  assert.equal(
    podChange(base, pod('    - name: c\n      image: busybox\n      command: [sh, -c]\n')),
    'spec.containers[0].command[1]',
  );
  assert.equal(
    podChange(base, pod('    - name: c\n      image: busybox:2\n      command: [sh]\n')),
    'spec.containers[0].image',
  );
  const relabelled = structuredClone(base);
  relabelled.metadata.labels = { app: 'q' };
  assert.equal(podChange(base, relabelled), 'metadata.labels.app');
  const more = pod(
    '    - name: c\n      image: busybox\n      command: [sh]\n    - name: d\n      image: busybox\n',
  );
  assert.equal(podChange(base, more), 'spec.containers[1]');
});
