import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerState, PodStatus } from './pod-status.js';
import { virtualClock } from '../probes/clock.js';
import { stateLayout } from '../state/state-root.js';
import {
  PodStatusManager,
  endPhase,
  refreshPodStatus,
  setCondition,
  type PodFacts,
} from './pod-status-manager.js';
import { readPodEvents, readPodRecord, type PodRecord } from './pod-store.js';

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

test('saves land in order with the supervision state; watchers and waiters hear of each', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-status-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const layout = stateLayout(root);
  await mkdir(layout.podDir('u1'), { recursive: true });
  const record = {
    uid: 'u1',
    name: 'p',
    namespace: 'default',
    status: status(),
  } as unknown as PodRecord;
  let backoffMs = 0;
  let ready = false;
  const seen: string[] = [];
  const m = new PodStatusManager({
    layout,
    record,
    clock: virtualClock(0),
    facts: () => ({
      sandboxReady: true,
      initialized: true,
      containers: [{ kind: 'main', status: { ready, state: running } }],
    }),
    supervision: () => ({ c: { backoffMs, lastStartedAt: 0 } }),
    onChange: (r) => seen.push(`${r.status.phase} ${String(r.supervision?.['c']?.backoffMs)}`),
  });
  const becameReady = m.until(() =>
    record.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  void m.save();
  backoffMs = 10_000;
  ready = true;
  await m.save();
  await becameReady;
  assert.deepEqual(seen, ['Running 0', 'Running 10000']);
  // The last write is the one on disk, whatever order the writes' I/O finished in.
  const onDisk = await readPodRecord(layout, 'u1');
  assert.ok(onDisk !== undefined);
  assert.equal(onDisk.supervision?.['c']?.backoffMs, 10_000);
  assert.equal(onDisk.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
  await m.event('Warning', 'BackOff', 'spec.containers{c}', 'Back-off restarting failed container');
  const events = await readPodEvents(layout, 'u1');
  assert.deepEqual(
    events.map((e) => `${e.reason} ${e.object}`),
    ['BackOff spec.containers{c}'],
  );
});

test('a pod ends Failed when a main container last failed, never ran on an error, or was lost', () => {
  const at = '2026-12-07T00:00:00Z';
  const st = (state: ContainerState, last: ContainerState = {}) => ({
    name: 'c',
    image: 'i',
    imageID: '',
    state,
    lastState: last,
    ready: false,
    started: false,
    restartCount: 0,
  });
  const term = (exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error') => ({
    terminated: { exitCode, reason, startedAt: at, finishedAt: at },
  });
  assert.equal(endPhase([st(term(0))]), 'Succeeded');
  assert.equal(endPhase([st(term(0)), st(term(3))]), 'Failed');
  // StartError (128), then stopped while waiting in back-off (issue: shown as Succeeded).
  assert.equal(
    endPhase([st({ waiting: { reason: 'RunContainerError' } }, term(128, 'StartError'))]),
    'Failed',
  );
  // A config error never ran; one still being created when the pod stopped is no failure.
  assert.equal(endPhase([st({ waiting: { reason: 'CreateContainerConfigError' } })]), 'Failed');
  assert.equal(endPhase([st({ waiting: { reason: 'ContainerCreating' } })]), 'Succeeded');
  // Restarted after a clean exit and waiting again: its last run succeeded.
  assert.equal(endPhase([st({ waiting: { reason: 'CrashLoopBackOff' } }, term(0))]), 'Succeeded');
});
