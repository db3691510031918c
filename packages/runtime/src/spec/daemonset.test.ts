import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DaemonSet } from './daemonset.js';
import { formatDiagnostic } from './diagnostic.js';
import { parseManifests } from './manifests.js';

/** A DaemonSet of `app: agent` pods; `spec` lines go under `spec:`. */
function ds(spec: string[], container = '{name: c, image: busybox}'): string {
  return [
    'apiVersion: apps/v1',
    'kind: DaemonSet',
    'metadata: {name: agent}',
    'spec:',
    ...spec.map((l) => `  ${l}`),
    '  selector: {matchLabels: {app: agent}}',
    '  template:',
    '    metadata: {labels: {app: agent}}',
    `    spec: {containers: [${container}]}`,
    '',
  ].join('\n');
}

function errors(text: string): string[] {
  return parseManifests(text, 'ds.yaml').diagnostics.map(formatDiagnostic);
}

function only(text: string): DaemonSet {
  const set = parseManifests(text, 'ds.yaml');
  assert.deepEqual(set.diagnostics.map(formatDiagnostic), []);
  assert.equal(set.pods.length, 0);
  assert.equal(set.daemonSets.length, 1);
  return set.daemonSets[0]!;
}

describe('DaemonSet: defaults (SetDefaults_DaemonSet)', () => {
  it('RollingUpdate with maxUnavailable 1 and maxSurge 0, minReadySeconds 0', () => {
    const d = only(ds([]));
    assert.deepEqual(d.spec.updateStrategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    assert.equal(d.spec.minReadySeconds, 0);
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.deepEqual(d.spec.template.metadata.labels, { app: 'agent' });
  });

  it('OnDelete; a surge (maxUnavailable then defaults to 0)', () => {
    assert.deepEqual(only(ds(['updateStrategy: {type: OnDelete}'])).spec.updateStrategy, {
      type: 'OnDelete',
    });
    assert.deepEqual(
      only(ds(['updateStrategy: {rollingUpdate: {maxSurge: 1}}'])).spec.updateStrategy,
      { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    );
  });
});

describe('DaemonSet: validation (ValidateDaemonSetSpec), at the file, line and field', () => {
  it('the selector must match the template labels', () => {
    assert.deepEqual(errors(ds([]).replace('{app: agent}}\n  template', '{app: x}}\n  template')), [
      'ds.yaml:7:24 spec.template.metadata.labels: `selector` does not match template `labels` (app=x)',
    ]);
  });

  it('a selector is required', () => {
    assert.deepEqual(errors(ds([]).replace('  selector: {matchLabels: {app: agent}}\n', '')), [
      'ds.yaml:5:3 spec.selector: required (a label selector matching the template labels)',
    ]);
  });

  it('restartPolicy must be Always', () => {
    const e = errors(
      ds([]).replace('spec: {containers', 'spec: {restartPolicy: Never, containers'),
    );
    assert.equal(e.length, 1);
    assert.match(
      e[0]!,
      /^ds\.yaml:8:27 spec\.template\.spec\.restartPolicy: must be Always, got "Never"/,
    );
  });

  it('maxSurge and maxUnavailable: exactly one of them is 0', () => {
    assert.deepEqual(
      errors(ds(['updateStrategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}'])),
      [
        'ds.yaml:5:65 spec.updateStrategy.rollingUpdate.maxUnavailable: cannot be 0 when maxSurge is 0',
      ],
    );
    assert.deepEqual(
      errors(ds(['updateStrategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}'])),
      [
        'ds.yaml:5:65 spec.updateStrategy.rollingUpdate.maxUnavailable: may not be set when maxSurge is non-zero',
      ],
    );
  });

  it('OnDelete with rollingUpdate, an unknown type', () => {
    assert.deepEqual(
      errors(ds(['updateStrategy: {type: OnDelete, rollingUpdate: {maxUnavailable: 1}}'])),
      [
        "ds.yaml:5:36 spec.updateStrategy.rollingUpdate: may not be specified when strategy `type` is 'OnDelete'",
      ],
    );
    assert.equal(errors(ds(['updateStrategy: {type: Recreate}'])).length, 1);
  });

  it('a surge with a hostPort: a warning with the reason', () => {
    const set = parseManifests(
      ds(
        ['updateStrategy: {rollingUpdate: {maxSurge: 1}}'],
        '{name: c, image: busybox, ports: [{containerPort: 80, hostPort: 18081}]}',
      ),
      'ds.yaml',
    );
    assert.equal(set.daemonSets.length, 1);
    assert.deepEqual(
      set.diagnostics.map((d) => [d.severity, d.code]),
      [['warning', 'host-port-surge']],
    );
  });
});
