import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatus, PodRecord } from '@podkit/runtime';
import { logTimeMs } from '@podkit/runtime/node';
import { previousWindow, requestedContainer } from './pod-log.js';
import { KubeApiError } from './status.js';

/** Only what requestedContainer and previousWindow read of a record. */
function record(
  main: string[],
  init: string[],
  statuses: Partial<ContainerStatus>[] = [],
): PodRecord {
  return {
    name: 'web',
    pod: {
      spec: {
        containers: main.map((name) => ({ name })),
        initContainers: init.map((name) => ({ name })),
      },
    },
    status: { initContainerStatuses: [], containerStatuses: statuses },
  } as unknown as PodRecord;
}

function refusal(f: () => unknown): { code: number; message: string | undefined } {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof KubeApiError);
    return { code: err.status.code, message: err.status.message };
  }
  assert.fail('not refused');
}

test('the container: the only one, or the one named; the API server refusals', () => {
  assert.equal(requestedContainer(record(['a'], []), null), 'a');
  assert.equal(requestedContainer(record(['a', 'b'], ['i']), 'b'), 'b');
  assert.equal(requestedContainer(record(['a', 'b'], ['i']), 'i'), 'i');
  assert.deepEqual(
    refusal(() => requestedContainer(record(['a', 'b'], []), null)),
    { code: 400, message: 'a container name must be specified for pod web, choose one of: [a b]' },
  );
  assert.deepEqual(
    refusal(() => requestedContainer(record(['a', 'b'], ['i', 'j']), '')),
    {
      code: 400,
      message:
        'a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [i j]',
    },
  );
  assert.deepEqual(
    refusal(() => requestedContainer(record(['a'], []), 'x')),
    {
      code: 400,
      message: 'container x is not valid for pod web',
    },
  );
});

test("previous: from the last attempt's start to the next one's (whole seconds)", () => {
  const last = {
    terminated: {
      exitCode: 1,
      reason: 'Error',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:00:05Z',
    },
  };
  const at = (s: string) => Date.parse(s);
  // Restarted later: up to the next start.
  assert.deepEqual(
    previousWindow(
      record(
        ['a'],
        [],
        [{ name: 'a', lastState: last, state: { running: { startedAt: '2026-01-01T00:00:15Z' } } }],
      ),
      'a',
    ),
    { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-01T00:00:15Z') },
  );
  // Waiting in back-off, or restarted within the second it ended: to the end of that second.
  for (const state of [
    { waiting: { reason: 'CrashLoopBackOff' } },
    { running: { startedAt: '2026-01-01T00:00:05Z' } },
  ])
    assert.deepEqual(
      previousWindow(record(['a'], [], [{ name: 'a', lastState: last, state }]), 'a'),
      {
        from: at('2026-01-01T00:00:00Z'),
        to: at('2026-01-01T00:00:06Z'),
      },
    );
  assert.equal(
    previousWindow(record(['a'], [], [{ name: 'a', lastState: {}, state: {} }]), 'a'),
    undefined,
  );
  assert.equal(previousWindow(record(['a'], []), 'a'), undefined);
});

test('log timestamps to ms: any number of fraction digits, Z', () => {
  assert.equal(logTimeMs('2026-01-01T00:00:01Z'), Date.parse('2026-01-01T00:00:01Z'));
  assert.equal(logTimeMs('2026-01-01T00:00:01.5Z'), Date.parse('2026-01-01T00:00:01.500Z'));
  assert.equal(
    logTimeMs('2026-01-01T00:00:01.123456789Z'),
    Date.parse('2026-01-01T00:00:01Z') + 123.456789,
  );
});
