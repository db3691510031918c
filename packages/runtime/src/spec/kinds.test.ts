import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiagnostic } from './diagnostic.js';
import { parseManifests, type ManifestSet } from './manifests.js';

function parse(text: string): ManifestSet {
  return parseManifests(text, 's.yaml');
}

describe('kinds podkit does not run', () => {
  const doc = (apiVersion: string, kind: string, name = 'x') =>
    `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: ${name}}\n`;
  const POD =
    'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n';

  it('are accepted with one warning each, at the kind, and the rest of the file is read', () => {
    const text = [
      doc('networking.k8s.io/v1', 'Ingress', 'web'),
      doc('networking.k8s.io/v1', 'NetworkPolicy', 'deny'),
      doc('autoscaling/v2', 'HorizontalPodAutoscaler', 'web'),
      doc('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'admin'),
      doc('v1', 'Namespace', 'shop'),
      POD,
    ].join('---\n');
    const set = parse(text);
    assert.deepEqual(
      set.diagnostics.map((d) => [d.severity, d.code, d.line, d.column]),
      [
        ['warning', 'ignored-kind', 2, 7],
        ['warning', 'ignored-kind', 6, 7],
        ['warning', 'ignored-kind', 10, 7],
        ['warning', 'ignored-kind', 14, 7],
        ['warning', 'ignored-kind', 18, 7],
      ],
    );
    assert.equal(
      formatDiagnostic(set.diagnostics[0]!),
      's.yaml:2:7 warning: kind: Ingress web is not run by podkit (no ingress or gateway controller on one machine; reach a Service on its node port); ignored',
    );
    assert.equal(set.pods.length, 1);
  });

  it('their content is not read (anything goes under spec)', () => {
    const text = `${doc('networking.k8s.io/v1', 'Ingress')}spec: {bogus: [1, 2]}\nextra: true\n`;
    assert.deepEqual(
      parse(text).diagnostics.map((d) => d.code),
      ['ignored-kind'],
    );
  });

  it('kinds that would run something podkit cannot give stay errors', () => {
    for (const [apiVersion, kind] of [
      ['batch/v1', 'CronJob'],
      ['v1', 'ReplicationController'],
    ] as const) {
      const set = parse(doc(apiVersion, kind));
      assert.deepEqual(
        set.diagnostics.map((d) => [d.severity, d.code, d.path]),
        [['error', 'unsupported', 'kind']],
        kind,
      );
    }
  });

  it('an unknown kind is an error, with a did-you-mean over every known kind', () => {
    assert.deepEqual(parse(doc('v1', 'Servce')).diagnostics.map(formatDiagnostic), [
      's.yaml:2:7 kind: unknown kind "Servce"; did you mean "Service"?',
    ]);
    assert.deepEqual(
      parse(doc('networking.k8s.io/v1', 'Ingres')).diagnostics.map(formatDiagnostic),
      ['s.yaml:2:7 kind: unknown kind "Ingres"; did you mean "Ingress"?'],
    );
    assert.equal(parse(doc('example.com/v1', 'Widget')).diagnostics[0]?.code, 'unknown-kind');
  });
});
