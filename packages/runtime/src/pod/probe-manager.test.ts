import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtualClock } from '../probes/clock.js';
import type { ProbeAction, Prober } from '../probes/types.js';
import type { Container, Probe } from '../spec/types.js';
import { startProbes, type ProbeContext, type ProbedContainer } from './probe-manager.js';

const probe = (command: string, extra: Partial<Probe> = {}): Probe => ({
  exec: { command: [command] },
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
  ...extra,
});

/**
 * A prober whose probes answer by their command: `ok`, `fail`, or `ready-once` (succeeds;
 * its second run ends the attempt so the readiness worker stops: the virtual clock never
 * blocks).
 */
function harness(container: Partial<Container>, start = 0) {
  const clock = virtualClock(start);
  const ran: string[] = [];
  const kills: { graceMs: number; message: string; at: number }[] = [];
  const events: string[] = [];
  const attempt = new AbortController();
  const prober: Prober = {
    run: (action: ProbeAction) => {
      const cmd = action.exec?.command[0] ?? '';
      ran.push(`${cmd}@${clock.now()}`);
      if (cmd === 'ready-once' && ran.filter((r) => r.startsWith(cmd)).length === 2)
        attempt.abort();
      return Promise.resolve({ ok: cmd !== 'fail', output: cmd });
    },
  };
  const slot: ProbedContainer = {
    container: { name: 'c', image: 'i', ...container } as Container,
    status: { ready: false, started: false, state: { running: { startedAt: 'x' } } },
  };
  const ctx: ProbeContext<ProbedContainer> = {
    prober,
    clock,
    podGraceSeconds: 30,
    target: () => ({ containerId: 'c', host: '127.0.0.1', ports: [] }),
    objectRef: () => 'spec.containers{c}',
    event: (_t, reason, _o, message) => {
      events.push(`${reason}: ${message}`);
      return Promise.resolve();
    },
    changed: () => undefined,
    kill: (_s, graceMs, message) => {
      kills.push({ graceMs, message, at: clock.now() });
      attempt.abort();
    },
  };
  return { clock, ran, kills, events, attempt, slot, ctx };
}

/** Lets the probe workers' promise chains run (they only await resolved promises). */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

test('liveness failing failureThreshold times kills the container with the pod grace', async () => {
  const h = harness({ livenessProbe: probe('fail') });
  startProbes(h.ctx, h.slot, h.attempt.signal);
  await settle();
  assert.deepEqual(h.ran, ['fail@0', 'fail@10000', 'fail@20000']);
  assert.deepEqual(h.kills, [
    {
      graceMs: 30_000,
      message: 'Container c failed liveness probe, will be restarted',
      at: 20_000,
    },
  ]);
  assert.equal(h.events.filter((e) => e.startsWith('Unhealthy: Liveness probe failed')).length, 3);
});

test('a startup probe gates liveness and readiness; its success marks started and ready', async () => {
  const h = harness({
    startupProbe: probe('ok'),
    readinessProbe: probe('ready-once', { initialDelaySeconds: 5 }),
  });
  startProbes(h.ctx, h.slot, h.attempt.signal);
  await settle();
  assert.deepEqual(h.ran, ['ok@0', 'ready-once@5000', 'ready-once@15000']);
  assert.equal(h.slot.status.started, true);
  assert.equal(h.slot.status.ready, true);
  assert.deepEqual(h.kills, []);
});

test('startup failure kills with the probe’s own terminationGracePeriodSeconds', async () => {
  const h = harness({
    startupProbe: probe('fail', { failureThreshold: 1, terminationGracePeriodSeconds: 3 }),
    livenessProbe: probe('ok'),
  });
  startProbes(h.ctx, h.slot, h.attempt.signal);
  await settle();
  assert.deepEqual(h.ran, ['fail@0']);
  assert.deepEqual(h.kills, [
    { graceMs: 3000, message: 'Container c failed startup probe, will be restarted', at: 0 },
  ]);
  assert.equal(h.slot.status.started, false);
});

test('resumed probes: delays from the container start, readiness kept, startup not rerun', async () => {
  const startedAt = Date.parse('2026-01-01T00:00:00Z');
  const h = harness(
    {
      startupProbe: probe('never-run'),
      readinessProbe: probe('ready-once', { initialDelaySeconds: 30 }),
    },
    startedAt + 20_000,
  );
  h.slot.status.started = true;
  h.slot.status.ready = true;
  h.slot.status.state = { running: { startedAt: '2026-01-01T00:00:00Z' } };
  startProbes(h.ctx, h.slot, h.attempt.signal, true);
  // Until the first probe the container keeps the readiness it had.
  assert.equal(h.slot.status.ready, true);
  await settle();
  // 30 s after the container started, i.e. 10 s after the agent took over.
  assert.deepEqual(h.ran, [`ready-once@${startedAt + 30_000}`, `ready-once@${startedAt + 40_000}`]);
});
