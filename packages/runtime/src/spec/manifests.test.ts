import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { formatDiagnostic, type Diagnostic } from './diagnostic.js';
import { loadManifestFile, parseManifests } from './manifests.js';

const POD =
  'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i}]}\n';

describe('loadManifestFile', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'podkit-spec-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and parses a file, naming it by the path given', async () => {
    const path = join(dir, 'pod.yaml');
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: i}]\n  bogus: 1\n';
    await writeFile(path, text);
    const set = await loadManifestFile(path);
    assert.equal(set.file, path);
    assert.deepEqual(set.diagnostics.map(formatDiagnostic), [
      `${path}:6:3 spec.bogus: unknown field`,
    ]);
  });

  it('throws POD_MANIFEST_UNREADABLE for a missing file or a directory', async () => {
    await assert.rejects(
      loadManifestFile(join(dir, 'missing.yaml')),
      (err: unknown) =>
        isPodkitError(err, 'POD_MANIFEST_UNREADABLE') && /no such file/.test(err.message),
    );
    await assert.rejects(
      loadManifestFile(dir),
      (err: unknown) =>
        isPodkitError(err, 'POD_MANIFEST_UNREADABLE') && /a directory/.test(err.message),
    );
  });

  it('honours an aborted signal', async () => {
    const path = join(dir, 'ok.yaml');
    await writeFile(path, POD);
    await assert.rejects(loadManifestFile(path, AbortSignal.abort()), { name: 'AbortError' });
    assert.equal((await loadManifestFile(path, new AbortController().signal)).pods.length, 1);
  });
});

describe('parseManifests', () => {
  it('reports an empty file', () => {
    const set = parseManifests('# nothing\n', 'e.yaml');
    assert.deepEqual(set.diagnostics.map(formatDiagnostic), [
      'e.yaml:1:1 no Kubernetes objects in this file',
    ]);
  });

  it('accepts status: {} silently and warns about a real status', () => {
    assert.deepEqual(parseManifests(`${POD}status: {}\n`, 'p.yaml').diagnostics, []);
    const set = parseManifests(`${POD}status: {phase: Running}\n`, 'p.yaml');
    assert.deepEqual(set.diagnostics.map(formatDiagnostic), [
      'p.yaml:5:1 warning: status: set by the cluster; ignored',
    ]);
    assert.equal(set.pods.length, 1);
  });

  it('reports two objects of one kind with one name', () => {
    const set = parseManifests(`${POD}---\n${POD}`, 'p.yaml');
    assert.deepEqual(set.diagnostics.map(formatDiagnostic), [
      'p.yaml:6:1 metadata.name: duplicate pod name "a" in namespace "default"',
    ]);
  });

  it('orders diagnostics by position across documents', () => {
    const bad = POD.replace('image: i', 'image: i, tty: 1');
    const set = parseManifests(`${bad}---\n${bad}`, 'p.yaml');
    assert.deepEqual(
      set.diagnostics.map((d: Diagnostic) => `${d.line}:${d.column}`),
      ['4:46', '9:46'],
    );
  });
});

describe('parseManifests with a namespace (podkit -n NS)', () => {
  const text = `${POD}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n`;

  it('puts objects without metadata.namespace into it; without it they are in default', () => {
    const set = parseManifests(text, 'p.yaml', { namespace: 'team-a' });
    assert.deepEqual(set.diagnostics, []);
    assert.equal(set.pods[0]?.metadata.namespace, 'team-a');
    assert.equal(set.configMaps[0]?.metadata.namespace, 'team-a');
    assert.equal(parseManifests(text, 'p.yaml').pods[0]?.metadata.namespace, 'default');
  });

  it("accepts an object's own equal namespace; another one is kubectl's error, at its position", () => {
    const own = (ns: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: ${ns}}\nspec: {containers: [{name: c, image: i}]}\n`;
    assert.deepEqual(
      parseManifests(own('team-a'), 'p.yaml', { namespace: 'team-a' }).diagnostics,
      [],
    );
    const set = parseManifests(own('team-b'), 'p.yaml', { namespace: 'team-a' });
    assert.deepEqual(set.pods, []);
    assert.deepEqual(set.diagnostics.map(formatDiagnostic), [
      'p.yaml:3:32 metadata.namespace: the namespace from the provided object "team-b" does not match the namespace "team-a"; pass -n team-b (or no -n) to perform this operation',
    ]);
    assert.equal(set.diagnostics[0]?.code, 'namespace-mismatch');
    // Without -n, the object's own namespace is kept.
    assert.equal(parseManifests(own('team-b'), 'p.yaml').pods[0]?.metadata.namespace, 'team-b');
  });

  it("a workload takes the namespace too (its template's own is not checked)", () => {
    const job = `apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    metadata: {namespace: other}\n    spec: {restartPolicy: Never, containers: [{name: c, image: i}]}\n`;
    const set = parseManifests(job, 'j.yaml', { namespace: 'team-a' });
    assert.deepEqual(
      set.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.equal(set.jobs[0]?.metadata.namespace, 'team-a');
  });
});
