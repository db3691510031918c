import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NAME_ALPHABET,
  canonicalJson,
  fnv1a32,
  podNameFor,
  podTemplateHash,
  randomSuffix,
  safeEncode,
} from './names.js';
import { testDeployment } from './test-objects.js';

describe('generated names', () => {
  it('a pod of a ReplicaSet is <rs>-<5 of the alphabet>', () => {
    const name = podNameFor('web-7c5ddbdf54');
    assert.match(name, /^web-7c5ddbdf54-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(
      randomSuffix(5, () => 0),
      'bbbbb',
    );
    assert.equal(
      randomSuffix(3, (max) => max - 1),
      '999',
    );
  });

  it('the base is cut to 58 characters, as generateName does', () => {
    const long = 'a'.repeat(70);
    const name = podNameFor(long);
    assert.equal(name.length, 63);
    assert.ok(name.startsWith('a'.repeat(58)));
  });

  it('the alphabet has no vowels and no 0, 1, 3', () => {
    assert.equal(NAME_ALPHABET.length, 27);
    assert.doesNotMatch(NAME_ALPHABET, /[aeiou013]/);
  });
});

describe('pod-template-hash', () => {
  it('FNV-1a 32 matches the reference vectors', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  });

  it('SafeEncodeString maps each digit as Kubernetes does', () => {
    assert.equal(safeEncode('0123456789'), '456789bcdf');
  });

  it('is the same for one template whatever the key order, and of the alphabet', () => {
    const a = testDeployment().spec.template;
    const reordered = JSON.parse(canonicalJson({ spec: a.spec, metadata: a.metadata })) as typeof a;
    const h = podTemplateHash(a);
    assert.equal(podTemplateHash(reordered), h);
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(canonicalJson({ b: 1, a: { d: 1, c: [2, 1] } }), '{"a":{"c":[2,1],"d":1},"b":1}');
  });

  it('changes with the template (an env value), not with the hash label itself', () => {
    const a = testDeployment().spec.template;
    const env = structuredClone(a);
    const c = env.spec.containers[0];
    assert.ok(c?.env[0] !== undefined);
    c.env[0].value = '2';
    assert.notEqual(podTemplateHash(env), podTemplateHash(a));
    const labelled = structuredClone(a);
    labelled.metadata.labels['pod-template-hash'] = podTemplateHash(a);
    assert.equal(podTemplateHash(labelled), podTemplateHash(a));
    assert.notEqual(podTemplateHash(a, 1), podTemplateHash(a));
  });
});
