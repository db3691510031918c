import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerState, PodStatus } from './pod-status.js';
import { refreshPodStatus, setCondition, type PodFacts } from './pod-status-manager.js';

const status = (phase: PodStatus['phase'] = 'Pending'): PodStatus => ({
  phase,
  conditions: [],
  initContainerStatuses: [],
  containerStatuses: [],
});
const running: ContainerState = { running: { startedAt: 't0' } };
const waiting: ContainerState = { waiting: { reason: 'ContainerCreating' } };
const conds = (st: PodStatus): Record<string, string> =>
  Object.fromEntries(
    st.conditions.map((c) => [c.type, `${c.status}${c.reason ? ` ${c.reason}` : ''}`]),
  );

test('Pending until initialized with a main container created; then Running and Ready', () => {
  const st = status();
  const facts: PodFacts = {
    sandboxReady: true,
    initialized: false,
    containers: [
      {
        kind: 'init',
        status: {
          ready: false,
          state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: 't' } },
        },
      },
      { kind: 'main', status: { ready: false, state: waiting } },
    ],
  };
  refreshPodStatus(st, facts, 't1');
  assert.equal(st.phase, 'Pending');
  assert.deepEqual(conds(st), {
    PodReadyToStartContainers: 'True',
    Initialized: 'False ContainersNotInitialized',
    ContainersReady: 'False ContainersNotReady',
    Ready: 'False ContainersNotReady',
  });
  refreshPodStatus(
    st,
    {
      ...facts,
      initialized: true,
      containers: [{ kind: 'main', status: { ready: true, state: running } }],
    },
    't2',
  );
  assert.equal(st.phase, 'Running');
  // A regular init container's readiness does not count; a main container's does.
  assert.deepEqual(conds(st), {
    PodReadyToStartContainers: 'True',
    Initialized: 'True',
    ContainersReady: 'True',
    Ready: 'True',
  });
});

test('a sidecar that is not ready keeps the pod not Ready', () => {
  const st = status('Running');
  refreshPodStatus(
    st,
    {
      sandboxReady: true,
      initialized: true,
      containers: [
        { kind: 'sidecar', status: { ready: false, state: running } },
        { kind: 'main', status: { ready: true, state: running } },
      ],
    },
    't',
  );
  assert.equal(conds(st)['Ready'], 'False ContainersNotReady');
});

test('an ended pod is not Ready (PodCompleted) and not ready to start containers', () => {
  const st = status('Succeeded');
  refreshPodStatus(
    st,
    {
      sandboxReady: true,
      initialized: true,
      containers: [{ kind: 'main', status: { ready: true, state: running } }],
    },
    't',
  );
  assert.equal(st.phase, 'Succeeded');
  assert.deepEqual(conds(st), {
    PodReadyToStartContainers: 'False SandboxNotReady',
    Initialized: 'True',
    ContainersReady: 'False PodCompleted',
    Ready: 'False PodCompleted',
  });
});

test('lastTransitionTime moves only when a condition flips', () => {
  const list: PodStatus['conditions'] = [];
  setCondition(list, 'Ready', false, 't1', 'ContainersNotReady');
  setCondition(list, 'Ready', false, 't2', 'PodCompleted');
  assert.deepEqual(list, [
    { type: 'Ready', status: 'False', lastTransitionTime: 't1', reason: 'PodCompleted' },
  ]);
  setCondition(list, 'Ready', true, 't3');
  setCondition(list, 'Ready', true, 't4');
  assert.deepEqual(list, [
    { type: 'Ready', status: 'True', lastTransitionTime: 't3', reason: undefined },
  ]);
});
