import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiagnostic } from './diagnostic.js';
import type { Job } from './job.js';
import { parseManifests } from './manifests.js';

/** A Job document: `spec` lines go under `spec:`, `pod` lines under `template.spec:`. */
function job(spec: string[], pod: string[] = ['restartPolicy: Never']): string {
  return [
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata: {name: work}',
    'spec:',
    ...spec.map((l) => `  ${l}`),
    '  template:',
    '    spec:',
    ...pod.map((l) => `      ${l}`),
    '      containers: [{name: c, image: busybox}]',
    '',
  ].join('\n');
}

function errors(text: string): string[] {
  return parseManifests(text, 'job.yaml').diagnostics.map(formatDiagnostic);
}

function only(text: string): Job {
  const set = parseManifests(text, 'job.yaml');
  assert.deepEqual(set.diagnostics.map(formatDiagnostic), []);
  assert.equal(set.pods.length, 0, 'a Job is not a pod');
  assert.equal(set.jobs.length, 1);
  return set.jobs[0]!;
}

describe('Job: defaults (SetDefaults_Job)', () => {
  it('neither completions nor parallelism: 1 and 1, NonIndexed, backoffLimit 6', () => {
    const j = only(job([]));
    assert.equal(j.apiVersion, 'batch/v1');
    assert.equal(j.spec.completions, 1);
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.completionMode, 'NonIndexed');
    assert.equal(j.spec.backoffLimit, 6);
    assert.equal(j.spec.activeDeadlineSeconds, undefined);
    assert.equal(j.spec.ttlSecondsAfterFinished, undefined);
    assert.equal(j.spec.manualSelector, false);
    assert.equal(j.spec.selector, undefined);
    assert.equal(j.origin.kind, 'Job');
  });

  it('parallelism alone: a work queue (completions null)', () => {
    assert.equal(only(job(['parallelism: 3'])).spec.completions, null);
  });

  it('every field podkit runs is read', () => {
    const j = only(
      job([
        'completions: 3',
        'parallelism: 2',
        'completionMode: Indexed',
        'backoffLimit: 0',
        'activeDeadlineSeconds: 30',
        'ttlSecondsAfterFinished: 0',
      ]),
    );
    assert.deepEqual(
      [
        j.spec.completions,
        j.spec.parallelism,
        j.spec.completionMode,
        j.spec.backoffLimit,
        j.spec.activeDeadlineSeconds,
        j.spec.ttlSecondsAfterFinished,
      ],
      [3, 2, 'Indexed', 0, 30, 0],
    );
  });

  it('OnFailure is allowed, and a manual selector that matches the template', () => {
    const text = job(
      ['manualSelector: true', 'selector: {matchLabels: {a: b}}'],
      ['restartPolicy: OnFailure'],
    ).replace('  template:\n', '  template:\n    metadata: {labels: {a: b}}\n');
    const j = only(text);
    assert.deepEqual(j.spec.selector?.matchLabels, { a: 'b' });
    assert.equal(j.spec.template.spec.restartPolicy, 'OnFailure');
  });
});

describe('Job: validation (ValidateJobSpec), at the file, line and field', () => {
  it('restartPolicy must be Never or OnFailure', () => {
    assert.deepEqual(errors(job([], ['restartPolicy: Always'])), [
      'job.yaml:7:22 spec.template.spec.restartPolicy: must be one of OnFailure, Never, got "Always" (a Job template needs Never or OnFailure)',
    ]);
    assert.deepEqual(errors(job([], [])), [
      'job.yaml:7:7 spec.template.spec.restartPolicy: required (a Job template needs Never or OnFailure)',
    ]);
  });

  it('negative counts, a zero deadline, an unknown mode', () => {
    assert.deepEqual(
      errors(
        job([
          'completions: -1',
          'parallelism: -2',
          'backoffLimit: -1',
          'activeDeadlineSeconds: 0',
          'ttlSecondsAfterFinished: -5',
          'completionMode: indexed',
        ]),
      ),
      [
        'job.yaml:5:16 spec.completions: must be 0 or more, got -1',
        'job.yaml:6:16 spec.parallelism: must be 0 or more, got -2',
        'job.yaml:7:17 spec.backoffLimit: must be 0 or more, got -1',
        'job.yaml:8:26 spec.activeDeadlineSeconds: must be 1 or more, got 0',
        'job.yaml:9:28 spec.ttlSecondsAfterFinished: must be 0 or more, got -5',
        'job.yaml:10:19 spec.completionMode: must be one of NonIndexed, Indexed, got "indexed"; did you mean "Indexed"?',
      ],
    );
  });

  it('Indexed needs completions', () => {
    assert.deepEqual(errors(job(['completionMode: Indexed', 'parallelism: 2'])), [
      'job.yaml:5:3 spec.completions: required when `completionMode` is Indexed',
    ]);
  });

  it('a selector without manualSelector is not auto-generated', () => {
    const e = errors(job(['selector: {matchLabels: {a: b}}']));
    assert.equal(e.length, 1);
    assert.match(e[0]!, /^job\.yaml:5:13 spec\.selector: `selector` not auto-generated/);
  });

  it('suspend and the failure policies are refused, not ignored (they would change what runs)', () => {
    assert.deepEqual(errors(job(['suspend: true', 'podFailurePolicy: {rules: []}'])), [
      'job.yaml:5:12 spec.suspend: not supported by podkit (a Job runs once applied; apply it when it should run)',
      'job.yaml:6:3 spec.podFailurePolicy: not supported by podkit (podkit counts every failed pod against backoffLimit)',
    ]);
    assert.deepEqual(errors(job(['suspend: false'])), []);
  });

  it('parallelism > 1 with a hostPort is refused with the reason', () => {
    const text = job(['parallelism: 2', 'completions: 4']).replace(
      'image: busybox}',
      'image: busybox, ports: [{containerPort: 80, hostPort: 18080}]}',
    );
    const e = errors(text);
    assert.equal(e.length, 1);
    assert.match(
      e[0]!,
      /^job\.yaml:5:16 spec\.parallelism: 2 pods at once cannot run on one machine: the template binds host port 18080/,
    );
  });

  it('unknown fields get a did-you-mean', () => {
    assert.deepEqual(errors(job(['completion: 3'])), [
      'job.yaml:5:3 spec.completion: unknown field; did you mean "completions"?',
    ]);
  });
});
