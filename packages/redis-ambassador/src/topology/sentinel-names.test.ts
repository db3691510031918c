import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { PodkitError } from '@podkit/kit';
import { command, info, startRedis, startSentinel } from '../../test/redis-servers.js';
import { SentinelWatch, type HostResolver, type SentinelView } from './sentinel.js';

/*
 * --sentinel=NAME:PORT as a Kubernetes Service gives it: one name, an address per Ready
 * Sentinel, changing as pods come and go. The resolver is injected; the Sentinel is real
 * (on 127.0.0.1; 127.0.0.2 is a loopback address where nothing listens: refused at once).
 */

async function oneSentinel(t: TestContext): Promise<{ master: number; sentinel: number }> {
  const master = await startRedis();
  t.after(() => master.stop());
  const sentinel = await startSentinel(master.port);
  t.after(() => sentinel.stop());
  return { master: master.port, sentinel: sentinel.port };
}

/** Polls `check` every 20 ms until it returns true; fails after `ms` (a bound, not a timing check). */
async function until(check: () => Promise<boolean> | boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A resolver answering `answer()` for one name, counting calls; anything else fails. */
function resolverFor(name: string, answer: () => readonly string[]) {
  const calls = { n: 0 };
  const resolve: HostResolver = (host) => {
    if (host !== name) return Promise.reject(new Error(`unexpected name ${host}`));
    calls.n++;
    const addrs = answer();
    return addrs.length === 0
      ? Promise.reject(new Error(`getaddrinfo ENOTFOUND ${name}`))
      : Promise.resolve(addrs);
  };
  return { resolve, calls };
}

function watch(
  sentinelPort: number,
  resolve: HostResolver,
  views: SentinelView[] = [],
  warnings: string[] = [],
): SentinelWatch {
  return new SentinelWatch({
    sentinels: [{ host: 'redis-sentinel', port: sentinelPort }],
    masterName: 'mymaster',
    password: undefined,
    pollMs: 50,
    onChange: (v) => {
      views.push(v);
      return Promise.resolve();
    },
    resolve,
    log: {
      info: () => undefined,
      warn: (obj) => {
        warnings.push(JSON.stringify(obj));
      },
    },
  });
}

test('a Sentinel name stands for every address it resolves to: one that refuses is passed over', async (t) => {
  const { master, sentinel } = await oneSentinel(t);
  const { resolve, calls } = resolverFor('redis-sentinel', () => ['127.0.0.2', '127.0.0.1']);
  const w = watch(sentinel, resolve);
  t.after(() => {
    w.close();
  });
  const view = await w.start(AbortSignal.timeout(10_000));
  assert.deepEqual(view.master, { host: '127.0.0.1', port: master });
  assert.ok(calls.n >= 1);
});

test('a Sentinel name is waited for at start and resolved again on every poll; an address no longer resolved is let go', async (t) => {
  const { master, sentinel } = await oneSentinel(t);
  // No address at first (the Sentinels' pods are not Ready yet), then the real one.
  let addrs: string[] = [];
  const { resolve, calls } = resolverFor('redis-sentinel', () => addrs);
  const views: SentinelView[] = [];
  const warnings: string[] = [];
  const w = watch(sentinel, resolve, views, warnings);
  t.after(() => {
    w.close();
  });
  const started = w.start(AbortSignal.timeout(20_000));
  await until(() => calls.n >= 2, 'the name to be asked again');
  assert.match(warnings[0] ?? '', /redis-sentinel does not resolve/);
  const baseline = Number((await info(sentinel, 'clients')).get('connected_clients'));
  addrs = ['127.0.0.1'];
  const view = await started;
  assert.deepEqual(view.master, { host: '127.0.0.1', port: master });
  assert.equal(warnings.length, 1, 'the same reason is logged once');

  // Polls resolve the name again, and hold a control connection and a +switch-master
  // subscription to the address (two clients of the Sentinel beyond the baseline).
  const resolvedAtStart = calls.n;
  await until(() => views.length >= 2 && calls.n > resolvedAtStart + 1, 'polls');
  await until(
    async () => Number((await info(sentinel, 'clients')).get('connected_clients')) === baseline + 2,
    'the control connection and the subscription',
  );
  const clients = await command(sentinel, ['CLIENT', 'LIST']);
  assert.ok(typeof clients === 'string', 'CLIENT LIST answers a bulk string');
  assert.equal(clients.match(/ sub=1 /g)?.length, 1, 'one +switch-master subscription');

  // The Sentinel's pod went away: its address is no longer resolved; both connections go.
  addrs = ['127.0.0.2'];
  await until(
    async () => Number((await info(sentinel, 'clients')).get('connected_clients')) === baseline,
    'the connections to an address no longer resolved to close',
  );
});

test('start gives up only when its signal aborts, saying what the Sentinels answered', async (t) => {
  const { sentinel } = await oneSentinel(t);
  const { resolve } = resolverFor('redis-sentinel', () => ['127.0.0.2']);
  const w = watch(sentinel, resolve);
  t.after(() => {
    w.close();
  });
  await assert.rejects(w.start(AbortSignal.timeout(500)), (err: unknown) => {
    assert.ok(err instanceof PodkitError);
    assert.equal(err.code, 'AMBASSADOR_UPSTREAM');
    assert.match(err.message, /127\.0\.0\.2:\d+ does not answer/);
    return true;
  });
});
