import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { didYouMean, editDistance } from './did-you-mean.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', ''), 3);
    assert.equal(editDistance('same', 'same'), 0);
    assert.equal(editDistance('imagePullPolice', 'imagePullPolicy'), 1);
  });
});

describe('didYouMean', () => {
  const containerFields = ['name', 'image', 'imagePullPolicy', 'command', 'args', 'ports', 'env'];

  it('suggests the closest known name for a typo', () => {
    assert.equal(didYouMean('imagePullPolice', containerFields), 'imagePullPolicy');
    assert.equal(didYouMean('comand', containerFields), 'command');
    assert.equal(didYouMean('port', containerFields), 'ports');
  });

  it('ignores case when measuring', () => {
    assert.equal(didYouMean('ImagePullPolicy', containerFields), 'imagePullPolicy');
    assert.equal(didYouMean('always', ['Always', 'OnFailure', 'Never']), 'Always');
  });

  it('suggests nothing when no name is close', () => {
    assert.equal(didYouMean('replicas', containerFields), undefined);
    assert.equal(didYouMean('xyz', containerFields), undefined);
    assert.equal(didYouMean('anything', []), undefined);
  });
});
