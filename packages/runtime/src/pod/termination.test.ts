import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtualClock } from '../probes/clock.js';
import type { Prober } from '../probes/types.js';
import type { Container } from '../spec/types.js';
import type { ContainerExit, ContainerHandle } from '../supervisor/run-container.js';
import type { ContainerKind } from './restart-policy.js';
import {
  MIN_KILL_GRACE_MS,
  stopContainer,
  terminateInOrder,
  type StoppableContainer,
  type TerminationContext,
} from './termination.js';

type Log = string[];

/** A container that exits on the signals it honours (SIGKILL always), logging what it gets. */
function fakeHandle(name: string, log: Log, clock: { now(): number }, honours: NodeJS.Signals[]) {
  let exit!: (e: ContainerExit) => void;
  const exited = new Promise<ContainerExit>((resolve) => (exit = resolve));
  let gone = false;
  const handle: ContainerHandle = {
    id: name,
    pid: 1,
    startedAt: new Date(0),
    exited,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (gone) return Promise.resolve();
      log.push(`${name} ${signal} @${clock.now()}`);
      if (signal === 'SIGKILL' || honours.includes(signal)) {
        gone = true;
        exit({ exitCode: 128 + 9, signal, oomKilled: false, finishedAt: new Date(0) });
      }
      return Promise.resolve();
    },
    remove: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
  return handle;
}

function slot(
  name: string,
  kind: ContainerKind,
  attempt: ContainerHandle,
  extra: Partial<Container> = {},
): StoppableContainer {
  return {
    container: { name, image: 'busybox', ...extra } as Container,
    kind,
    status: { ready: true },
    attempt,
    attemptAbort: new AbortController(),
    killing: undefined,
  };
}

function context(log: Log, clock = virtualClock(), force = new AbortController()) {
  const prober: Prober = {
    run: (action, target) => {
      log.push(`${target.containerId} preStop ${JSON.stringify(action.exec?.command)}`);
      return Promise.resolve({ ok: true, output: '' });
    },
  };
  const ctx: TerminationContext<StoppableContainer> = {
    clock,
    prober,
    podName: 'p',
    force: force.signal,
    stopSignal: (s) => (s.container.name === 'quit' ? 'SIGQUIT' : 'SIGTERM'),
    target: (s) => ({ containerId: s.container.name, host: '127.0.0.1', ports: [] }),
    objectRef: (s) => s.container.name,
    event: (_type, reason, object) => {
      if (reason !== 'Killing') log.push(`${object} event ${reason}`);
      return Promise.resolve();
    },
    changed: () => undefined,
  };
  return { ctx, clock, force };
}

test('main containers stop in parallel first, then sidecars one at a time in reverse order', async () => {
  const log: Log = [];
  const { ctx, clock } = context(log);
  const honour: NodeJS.Signals[] = ['SIGTERM'];
  const slots = [
    slot('s1', 'sidecar', fakeHandle('s1', log, clock, honour)),
    slot('s2', 'sidecar', fakeHandle('s2', log, clock, honour)),
    slot('m1', 'main', fakeHandle('m1', log, clock, honour)),
    slot('m2', 'main', fakeHandle('m2', log, clock, honour)),
  ];
  await terminateInOrder(ctx, slots, 30_000);
  // Order only: the virtual clock moves on each (raced) grace sleep, so times say nothing here.
  assert.deepEqual(
    log.map((l) => l.split(' @')[0]),
    ['m1 SIGTERM', 'm2 SIGTERM', 's2 SIGTERM', 's1 SIGTERM'],
  );
  for (const s of slots) assert.equal(s.status.ready, false);
});

test('preStop runs before the stop signal; the image STOPSIGNAL is sent', async () => {
  const log: Log = [];
  const { ctx, clock } = context(log);
  const s = slot('quit', 'main', fakeHandle('quit', log, clock, ['SIGQUIT']), {
    lifecycle: { preStop: { exec: { command: ['drain'] } } },
  });
  await stopContainer(ctx, s, 30_000, 'Stopping container quit');
  assert.deepEqual(log, ['quit preStop ["drain"]', 'quit SIGQUIT @0']);
});

test('a container that ignores its stop signal gets SIGKILL after the grace, never under 2 s', async () => {
  const log: Log = [];
  const { ctx, clock } = context(log);
  const s = slot('stubborn', 'main', fakeHandle('stubborn', log, clock, []), {
    lifecycle: { preStop: { exec: { command: ['x'] } } },
  });
  // Grace 0: preStop is skipped, and SIGKILL still waits the minimum.
  await stopContainer(ctx, s, 0, 'Stopping container stubborn');
  assert.deepEqual(log, ['stubborn SIGTERM @0', `stubborn SIGKILL @${MIN_KILL_GRACE_MS}`]);

  const log2: Log = [];
  const c2 = context(log2);
  const s2 = slot('slow', 'main', fakeHandle('slow', log2, c2.clock, []));
  await stopContainer(c2.ctx, s2, 10_000, 'Stopping container slow');
  assert.deepEqual(log2, ['slow SIGTERM @0', 'slow SIGKILL @10000']);
});

test('a forced stop sends SIGKILL at once, without preStop or stop signal', async () => {
  const log: Log = [];
  const force = new AbortController();
  force.abort();
  const { ctx, clock } = context(log, virtualClock(), force);
  const s = slot('m', 'main', fakeHandle('m', log, clock, ['SIGTERM']), {
    lifecycle: { preStop: { exec: { command: ['x'] } } },
  });
  await stopContainer(ctx, s, 30_000, 'Stopping container m');
  assert.deepEqual(log, ['m SIGKILL @0']);
});

test('concurrent stops of one container share a single kill', async () => {
  const log: Log = [];
  const { ctx, clock } = context(log);
  const s = slot('m', 'main', fakeHandle('m', log, clock, ['SIGTERM']));
  await Promise.all([
    stopContainer(ctx, s, 30_000, 'liveness'),
    stopContainer(ctx, s, 30_000, 'Stopping container m'),
  ]);
  assert.deepEqual(log, ['m SIGTERM @0']);
});
