import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPodkitError } from '@podkit/kit';
import { parseGitConfig } from './git-config.js';

test('parseGitConfig: key:value pairs, quoted keys and values, escapes', () => {
  assert.deepEqual(parseGitConfig('core.compression:9,http.postBuffer:1048576'), {
    'core.compression': '9',
    'http.postBuffer': '1048576',
  });
  assert.deepEqual(
    parseGitConfig('"http.https://h.example/.extraHeader":"X-A: 1, 2",a.b:"say \\"hi\\""'),
    { 'http.https://h.example/.extraHeader': 'X-A: 1, 2', 'a.b': 'say "hi"' },
  );
  assert.deepEqual(parseGitConfig('a.b:'), { 'a.b': '' });
  for (const bad of ['novalue', ':v', 'a.b:"open', 'a.b:"x"y']) {
    assert.throws(
      () => parseGitConfig(bad),
      (e) => isPodkitError(e, 'GIT_SYNC_OPTION_INVALID'),
    );
  }
});
