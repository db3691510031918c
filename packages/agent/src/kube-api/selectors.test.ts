import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldsMatch, labelsMatch, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { KubeApiError } from './status.js';

test('label selectors: equality and set-based, as labels.Parse reads them', () => {
  const l = { app: 'web', tier: 'front', 'app.kubernetes.io/name': 'x' };
  const m = (s: string) => labelsMatch(parseLabelSelector(s), l);
  assert.equal(m(''), true);
  assert.equal(m('app=web'), true);
  assert.equal(m('app==web,tier=front'), true);
  assert.equal(m('app!=web'), false);
  assert.equal(m('missing!=x'), true);
  assert.equal(m('app in (web, db)'), true);
  assert.equal(m('app notin (web)'), false);
  assert.equal(m('tier,app.kubernetes.io/name=x'), true);
  assert.equal(m('!tier'), false);
  assert.equal(m('!other'), true);
  assert.equal(m('app in (db),tier'), false);
  assert.deepEqual(parseLabelSelector('a in (x,y),b'), [
    { key: 'a', op: 'in', values: ['x', 'y'] },
    { key: 'b', op: 'exists', values: [] },
  ]);
});

test('a label selector that cannot be read is a 400 BadRequest', () => {
  for (const bad of ['a=b=c', 'a in x', '-bad-=1', 'a=(b)']) {
    assert.throws(
      () => parseLabelSelector(bad),
      (e: unknown) =>
        e instanceof KubeApiError && e.status.code === 400 && e.status.reason === 'BadRequest',
      bad,
    );
  }
});

test('field selectors: the fields a resource indexes, = == !=', () => {
  const fields = { 'metadata.name': 'web', 'status.phase': 'Running', 'spec.nodeName': 'vm' };
  const supported = ['metadata.name', 'status.phase', 'spec.nodeName'];
  const m = (s: string) => fieldsMatch(parseFieldSelector(s, supported, 'Pod'), fields);
  assert.equal(m('metadata.name=web'), true);
  assert.equal(m('metadata.name==web,status.phase!=Pending'), true);
  assert.equal(m('status.phase=Pending'), false);
  assert.equal(m('spec.nodeName='), false);
  assert.throws(
    () => parseFieldSelector('spec.foo=1', supported, 'Pod'),
    (e: unknown) =>
      e instanceof KubeApiError &&
      e.status.code === 400 &&
      e.status.message === 'field label not supported: spec.foo',
  );
});
