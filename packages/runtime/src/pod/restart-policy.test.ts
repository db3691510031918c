import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtualClock } from '../probes/clock.js';
import type { RestartPolicy } from '../spec/types.js';
import {
  backoffDisplay,
  backoffReason,
  countsAsRestart,
  crashLoopBackoff,
  finishedForGood,
  isConfigError,
  shouldRestart,
  type ContainerKind,
} from './restart-policy.js';

test('restart or not: kind × restartPolicy × exit code (kubelet)', () => {
  const cases: [ContainerKind, RestartPolicy, number, boolean][] = [
    ['main', 'Always', 0, true],
    ['main', 'Always', 1, true],
    ['main', 'OnFailure', 0, false],
    ['main', 'OnFailure', 1, true],
    ['main', 'Never', 0, false],
    ['main', 'Never', 137, false],
    ['init', 'Always', 0, false],
    ['init', 'Always', 1, true],
    ['init', 'OnFailure', 1, true],
    ['init', 'Never', 1, false],
    ['sidecar', 'Never', 0, true],
    ['sidecar', 'OnFailure', 0, true],
  ];
  for (const [kind, policy, code, want] of cases)
    assert.equal(shouldRestart(kind, policy, code), want, `${kind} ${policy} exit ${code}`);
  // Nothing restarts once the pod is stopping, not even a sidecar.
  assert.equal(shouldRestart('sidecar', 'Always', 1, true), false);
  assert.equal(shouldRestart('main', 'Always', 1, true), false);
});

test('an adopted container that terminated for good is not supervised again', () => {
  const ended = (exitCode: number) => ({
    terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: 'x' },
  });
  assert.equal(finishedForGood('init', 'Always', ended(0)), true);
  assert.equal(finishedForGood('init', 'Always', ended(1)), false);
  assert.equal(finishedForGood('main', 'OnFailure', ended(0)), true);
  assert.equal(finishedForGood('main', 'OnFailure', ended(2)), false);
  assert.equal(finishedForGood('main', 'Never', ended(2)), true);
  assert.equal(finishedForGood('sidecar', 'Never', ended(0)), undefined);
  assert.equal(finishedForGood('main', 'Never', { running: { startedAt: 'x' } }), undefined);
});

test('waiting reasons by start outcome; only created containers count a restart', () => {
  assert.equal(backoffReason('running'), 'CrashLoopBackOff');
  assert.equal(backoffReason('killed'), 'CrashLoopBackOff');
  assert.equal(backoffReason('startError'), 'RunContainerError');
  assert.equal(backoffReason('configError'), 'CreateContainerConfigError');
  assert.equal(backoffReason('pullError'), 'ImagePullBackOff');
  assert.equal(countsAsRestart('running'), true);
  assert.equal(countsAsRestart('startError'), true);
  assert.equal(countsAsRestart('configError'), false);
  assert.equal(countsAsRestart('pullError'), false);
  assert.equal(isConfigError('CONTAINER_NO_COMMAND'), true);
  assert.equal(isConfigError('CONTAINER_START_FAILED'), false);
});

test('back-off messages are worded as kubelet words them', () => {
  const c = { name: 'web', image: 'nginx:1' };
  const crash = backoffDisplay('running', 20_000, c, 'p', {
    state: { terminated: { exitCode: 1, reason: 'Error', finishedAt: 'x' } },
    lastState: {},
  });
  assert.deepEqual(crash, {
    waiting: {
      reason: 'CrashLoopBackOff',
      message: 'back-off 20s restarting failed container=web pod=p',
    },
    event: 'Back-off restarting failed container',
  });
  const start = backoffDisplay('startError', 10_000, c, 'p', {
    state: {},
    lastState: {
      terminated: { exitCode: 128, reason: 'StartError', message: 'no such file', finishedAt: 'x' },
    },
  });
  assert.equal(
    start.waiting.message,
    'no such file (back-off 10s restarting failed container=web pod=p)',
  );
  const config = backoffDisplay('configError', 10_000, c, 'p', {
    state: { waiting: { reason: 'CreateContainerConfigError', message: 'bad user' } },
    lastState: {},
  });
  assert.equal(config.waiting.reason, 'CreateContainerConfigError');
  assert.equal(
    config.waiting.message,
    'bad user (back-off 10s restarting failed container=web pod=p)',
  );
  const pull = backoffDisplay('pullError', 10_000, c, 'p', {
    state: { waiting: { reason: 'ErrImagePull', message: 'not found' } },
    lastState: {},
  });
  assert.deepEqual(pull, {
    waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nginx:1": not found' },
    event: 'Back-off pulling image "nginx:1"',
  });
});

test('CrashLoopBackOff: 0, base, 2×base … cap; reset after a clean run; state restores', () => {
  const clock = virtualClock(1_000_000);
  const policy = { baseMs: 100, capMs: 400, resetAfterMs: 1000 };
  const b = crashLoopBackoff(policy);
  const seq: number[] = [];
  for (let i = 0; i < 5; i++) {
    b.started(clock.now());
    clock.advance(10); // a short run: no reset
    seq.push(b.next(clock.now()));
  }
  assert.deepEqual(seq, [0, 100, 200, 400, 400]);
  // A failure to start (no `now`) never resets.
  assert.equal(b.next(), 400);
  // Ran cleanly for resetAfterMs: the series starts over.
  b.started(clock.now());
  clock.advance(1000);
  assert.equal(b.next(clock.now()), 0);
  assert.equal(b.next(), 100);
  // What pod.json saved brings the series back where it was.
  const again = crashLoopBackoff(policy, {
    backoffMs: b.state.delayMs,
    lastStartedAt: clock.now(),
  });
  assert.equal(again.next(clock.now()), 200);
});
