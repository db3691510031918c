import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filtered, ResourceVersionClock, WatchCache } from './watch-cache.js';

interface Obj {
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
  };
  v: number;
}
const obj = (name: string, v: number, labels?: Record<string, string>): Obj => ({
  metadata:
    labels === undefined ? { name, namespace: 'default' } : { name, namespace: 'default', labels },
  v,
});

test('every real change takes the next version; an equal object is no change', () => {
  const clock = new ResourceVersionClock(1000);
  const c = new WatchCache<Obj>(clock);
  assert.equal(c.put('a', obj('a', 1))?.type, 'ADDED');
  assert.equal(c.get('a')?.metadata.resourceVersion, '1001');
  assert.equal(c.put('a', obj('a', 1)), undefined);
  assert.equal(c.get('a')?.metadata.resourceVersion, '1001');
  assert.equal(c.put('a', obj('a', 2))?.type, 'MODIFIED');
  assert.equal(c.get('a')?.metadata.resourceVersion, '1002');
  assert.equal(c.list().resourceVersion, '1002');
  const del = c.remove('a');
  assert.ok(del);
  assert.equal(del.type, 'DELETED');
  assert.equal(del.object.metadata.resourceVersion, '1003');
  assert.equal(c.remove('a'), undefined);
  assert.deepEqual(c.list(), { items: [], resourceVersion: '1003' });
});

test('since: the changes after a version; forgotten ones are Gone; the clock is shared', () => {
  const clock = new ResourceVersionClock(0);
  const pods = new WatchCache<Obj>(clock, 3);
  const other = new WatchCache<Obj>(clock);
  pods.put('a', obj('a', 1)); // 1
  other.put('x', obj('x', 1)); // 2
  pods.put('b', obj('b', 1)); // 3
  pods.put('a', obj('a', 2)); // 4
  const s = pods.since(1);
  assert.ok(s.ok);
  assert.deepEqual(
    s.events.map((e) => [e.rv, e.type, e.object.metadata.name]),
    [
      [3, 'ADDED', 'b'],
      [4, 'MODIFIED', 'a'],
    ],
  );
  pods.put('c', obj('c', 1)); // 5: the history (3 long) drops rv 1
  assert.deepEqual(pods.since(0), { ok: false, oldest: 1 });
  assert.ok(pods.since(1).ok);
  assert.deepEqual(pods.since(Number('abc')), { ok: false, oldest: 1 });
  const ahead = pods.since(99);
  assert.ok(ahead.ok);
  assert.equal(ahead.events.length, 0);
});

test('subscribers get each change once, in order', () => {
  const c = new WatchCache<Obj>(new ResourceVersionClock(0));
  const seen: string[] = [];
  const off = c.subscribe((e) => seen.push(`${e.type} ${e.object.metadata.name}`));
  c.put('a', obj('a', 1));
  c.put('a', obj('a', 2));
  c.remove('a');
  off();
  c.put('b', obj('b', 1));
  assert.deepEqual(seen, ['ADDED a', 'MODIFIED a', 'DELETED a']);
});

test('filtered: starting to match is ADDED, ceasing to match DELETED', () => {
  const c = new WatchCache<Obj>(new ResourceVersionClock(0));
  const running = (o: Obj) => o.v === 2;
  const a1 = c.put('a', obj('a', 1));
  assert.ok(a1);
  assert.equal(filtered(a1, running), undefined);
  const a2 = c.put('a', obj('a', 2));
  assert.ok(a2);
  assert.equal(filtered(a2, running)?.type, 'ADDED');
  const a2b = c.put('a', obj('a', 2, { x: 'y' }));
  assert.ok(a2b);
  assert.equal(filtered(a2b, running)?.type, 'MODIFIED');
  const a3 = c.put('a', obj('a', 3));
  assert.ok(a3);
  assert.equal(filtered(a3, running)?.type, 'DELETED');
  const gone = c.remove('a');
  assert.ok(gone);
  assert.equal(filtered(gone, running), undefined);
});
