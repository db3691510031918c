import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobRecord } from '@podkit/runtime';
import { parseManifests } from '@podkit/runtime/spec';
import type { WorkloadItem } from '../agent-access.js';
import { renderJobs, renderWorkloads } from './get-workloads.js';

const NOW = Date.parse('2026-01-01T00:01:00Z');

function item(job: Partial<NonNullable<WorkloadItem['status']['job']>>): WorkloadItem {
  const set = parseManifests(
    'apiVersion: batch/v1\nkind: Job\nmetadata: {name: work}\nspec:\n  completions: 3\n  template:\n    spec: {restartPolicy: Never, containers: [{name: c, image: i}]}\n',
    'j.yaml',
  );
  const record: JobRecord = {
    version: 1,
    kind: 'Job',
    uid: 'u1',
    createdAt: '2026-01-01T00:00:00Z',
    source: 'j.yaml',
    object: set.jobs[0]!,
  };
  return {
    record,
    status: {
      replicas: 0,
      updatedReplicas: 0,
      updatedStartedReplicas: 0,
      updatedReadyReplicas: 0,
      updatedAvailableReplicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      terminatingReplicas: 0,
      complete: false,
      job: {
        active: 0,
        succeeded: 0,
        failed: 0,
        completions: 3,
        conditions: [],
        ...job,
      },
    },
  };
}

describe('podkit get jobs', () => {
  it("kubectl's columns: STATUS, COMPLETIONS succeeded/wanted, DURATION, AGE", () => {
    const running = item({ active: 2, succeeded: 1, startTime: '2026-01-01T00:00:30Z' });
    assert.equal(
      renderJobs([running], NOW),
      'NAME   STATUS    COMPLETIONS   DURATION   AGE\nwork   Running   1/3           30s        60s\n',
    );
    const failed = item({
      failed: 7,
      startTime: '2026-01-01T00:00:00Z',
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastTransitionTime: '2026-01-01T00:00:50Z',
        },
      ],
    });
    assert.match(renderJobs([failed], NOW), /^work\s+Failed\s+0\/3\s+60s\s+60s$/m);
  });

  it('one Job as a batch/v1 object with its status and conditions', () => {
    const text = renderWorkloads(
      'Job',
      [item({ succeeded: 3, startTime: '2026-01-01T00:00:00Z' })],
      'default',
      'work',
      'yaml',
      NOW,
    );
    assert.match(text, /^apiVersion: batch\/v1\nkind: Job\n/);
    assert.match(text, /^ {4}matchLabels:\n {6}batch\.kubernetes\.io\/controller-uid: u1$/m);
    assert.match(text, /^status:\n {2}startTime: "?2026-01-01T00:00:00Z"?\n {2}succeeded: 3$/m);
    assert.throws(
      () => renderWorkloads('Job', [], 'default', 'nope', 'yaml', NOW),
      /no Job named "nope" in namespace "default"/,
    );
  });
});
