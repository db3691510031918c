import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic } from './diagnostic.js';
import { combineManifestSets, withCrossFileDuplicates } from './manifest-sets.js';
import { parseManifests } from './manifests.js';

const SERVICE = `apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80 }]
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: c, image: busybox }] }
`;

test('several files combine into one set: objects in file order, each with its own file', () => {
  const set = combineManifestSets([
    parseManifests(SERVICE, 'svc.yaml'),
    parseManifests(DEPLOYMENT, 'dir/web.yaml'),
  ]);
  assert.equal(set.file, 'svc.yaml, dir/web.yaml');
  assert.deepEqual(set.diagnostics, []);
  assert.equal(set.services[0]?.origin.file, 'svc.yaml');
  assert.equal(set.deployments[0]?.origin.file, 'dir/web.yaml');
  // A Service and a Deployment of one name are different kinds: no duplicate.
  assert.equal(set.services.length + set.deployments.length, 2);
});

test('one file comes back as it is', () => {
  const one = parseManifests(SERVICE, 'svc.yaml');
  assert.equal(combineManifestSets([one]), one);
});

test('an object two files define is an error at the second, naming the first place', () => {
  const sets = withCrossFileDuplicates([
    parseManifests(DEPLOYMENT, 'a.yaml'),
    parseManifests(`${SERVICE}---\n${DEPLOYMENT}`, 'b.yaml'),
  ]);
  assert.deepEqual(sets[0]?.diagnostics, []);
  assert.deepEqual(sets[1]?.diagnostics.map(formatDiagnostic), [
    'b.yaml:8:1 metadata.name: duplicate Deployment name "web" in namespace "default": a.yaml:1:1 defines it too',
  ]);
  const set = combineManifestSets([
    parseManifests(DEPLOYMENT, 'a.yaml'),
    parseManifests(`${SERVICE}---\n${DEPLOYMENT}`, 'b.yaml'),
  ]);
  assert.equal(set.diagnostics.length, 1);
  assert.equal(set.diagnostics[0]?.file, 'b.yaml');
});

test('the same name in two namespaces is no duplicate; errors of every file are kept', () => {
  const set = combineManifestSets([
    parseManifests(DEPLOYMENT, 'a.yaml'),
    parseManifests(DEPLOYMENT.replace('name: web }', 'name: web, namespace: other }'), 'b.yaml'),
    parseManifests('kind: Pod\n', 'c.yaml'),
  ]);
  assert.deepEqual(
    set.diagnostics.map((d) => d.file),
    set.diagnostics.map(() => 'c.yaml'),
  );
  assert.ok(set.diagnostics.some((d) => d.severity === 'error'));
  assert.equal(set.deployments.length, 2);
});
