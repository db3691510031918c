import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtualClock } from '../probes/clock.js';
import type { Container } from '../spec/types.js';
import type { ContainerExit, ContainerHandle } from '../supervisor/run-container.js';
import {
  ContainerLifecycle,
  objectRef,
  type ContainerLifecycleContext,
  type ContainerSlot,
} from './container-lifecycle.js';
import { crashLoopBackoff, KUBELET_BACKOFF, type ContainerKind } from './restart-policy.js';

// Adoption after an agent restart, decided from what conmon and runc report; no container is
// started here (that is pod-*.test.ts with runc), so the context's start path is never reached.

function slot(kind: ContainerKind = 'main'): ContainerSlot {
  return {
    container: { name: 'c', image: 'busybox' } as Container,
    kind,
    status: {
      name: 'c',
      image: 'busybox',
      imageID: '',
      state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
      lastState: {},
      ready: true,
      started: true,
      restartCount: 0,
    },
    attempt: undefined,
    done: false,
    lastStartedAt: 0,
    backoff: crashLoopBackoff(KUBELET_BACKOFF),
    nextStartAt: undefined,
    attemptAbort: undefined,
    killing: undefined,
  };
}

function lifecycle(stopping = false) {
  const clock = virtualClock(1000);
  const probed: { resumed: boolean | undefined }[] = [];
  const paused: number[] = [];
  const unused = (): never => {
    throw new Error('not reached in these tests');
  };
  const ctx = {
    clock,
    isStopping: () => stopping,
    startProbes: (_s: ContainerSlot, _signal: AbortSignal, resumed?: boolean) => {
      probed.push({ resumed });
    },
    pause: (ms: number) => {
      paused.push(ms);
      return Promise.resolve();
    },
    save: () => Promise.resolve(),
    event: () => Promise.resolve(),
  } as Partial<ContainerLifecycleContext>;
  const proxy = new Proxy(ctx, {
    get: (target, key: string) => (key in target ? target[key as keyof typeof target] : unused),
  }) as ContainerLifecycleContext;
  return { lc: new ContainerLifecycle(proxy), probed, paused, clock };
}

const handle = { id: 'x' } as ContainerHandle;

test('a container still running gets its handle back and its probes, resumed', async () => {
  const { lc, probed } = lifecycle();
  const s = slot();
  const r = await lc.resumeAttempt(s, { state: 'running', handle });
  assert.deepEqual(r, { outcome: 'running' });
  assert.equal(s.attempt, handle);
  assert.deepEqual(probed, [{ resumed: true }]);
  // A regular init container has no probes.
  const init = lifecycle();
  await init.lc.resumeAttempt(slot('init'), { state: 'running', handle });
  assert.deepEqual(init.probed, []);
});

test('an exit conmon recorded meanwhile is returned to be applied', async () => {
  const { lc } = lifecycle();
  const exit: ContainerExit = { exitCode: 3, oomKilled: false, finishedAt: new Date(0) };
  assert.deepEqual(await lc.resumeAttempt(slot(), { state: 'exited', exit }), {
    outcome: 'running',
    exit,
  });
});

test('a running container that is gone without an exit is lost (137)', async () => {
  const { lc } = lifecycle();
  const r = await lc.resumeAttempt(slot(), { state: 'gone' });
  assert.equal(r.outcome, 'running');
  assert.ok(r.exit !== undefined);
  assert.equal(r.exit.exitCode, 137);
  assert.equal(r.exit.lost, true);
});

test('a back-off in progress waits out what is left of it; a stop ends it', async () => {
  const { lc, paused, clock } = lifecycle(true);
  const s = slot();
  s.status.state = { waiting: { reason: 'CrashLoopBackOff' } };
  s.nextStartAt = clock.now() + 7000;
  assert.deepEqual(await lc.resumeAttempt(s, { state: 'gone' }), { outcome: 'killed' });
  assert.deepEqual(paused, [7000]);
  assert.equal(s.nextStartAt, undefined);
});

test('events name the container by its place in the spec', () => {
  assert.equal(objectRef(slot('main')), 'spec.containers{c}');
  assert.equal(objectRef(slot('sidecar')), 'spec.initContainers{c}');
});
