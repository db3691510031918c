import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveLsRemote } from './remote-ref.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

test('a short name is a branch before a tag; annotated tags are peeled', () => {
  const out = `${A}\trefs/heads/main\n${B}\trefs/tags/main\n${B}\trefs/tags/v1\n${C}\trefs/tags/v1^{}\n`;
  assert.deepEqual(resolveLsRemote(out, 'main'), { name: 'refs/heads/main', sha: A });
  assert.deepEqual(resolveLsRemote(out, 'v1'), { name: 'refs/tags/v1', sha: C });
  assert.deepEqual(resolveLsRemote(out, 'refs/tags/main'), { name: 'refs/tags/main', sha: B });
});

test('HEAD matches only HEAD; a missing ref is undefined', () => {
  const out = `${A}\tHEAD\n${B}\trefs/remotes/origin/HEAD\n`;
  assert.deepEqual(resolveLsRemote(out, 'HEAD'), { name: 'HEAD', sha: A });
  assert.equal(resolveLsRemote(out, 'gone'), undefined);
  assert.equal(resolveLsRemote('', 'main'), undefined);
});

test('a suffix match in another namespace is not taken for the branch', () => {
  const out = `${A}\trefs/heads/feature/main\n`;
  assert.equal(resolveLsRemote(out, 'main'), undefined);
});
