import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPodkitError } from '@podkit/kit';
import { resolveCommand } from './command.js';

test('command/args vs entrypoint/cmd (the Kubernetes docs table)', () => {
  const entrypoint = ['/ep-1'];
  const cmd = ['foo', 'bar'];
  const table: [string[] | undefined, string[] | undefined, string[]][] = [
    [undefined, undefined, ['/ep-1', 'foo', 'bar']],
    [['/ep-2'], undefined, ['/ep-2']],
    [undefined, ['zoo', 'boo'], ['/ep-1', 'zoo', 'boo']],
    [['/ep-2'], ['zoo', 'boo'], ['/ep-2', 'zoo', 'boo']],
  ];
  for (const [command, args, want] of table) {
    assert.deepEqual(
      resolveCommand({ command, args, entrypoint, cmd }),
      want,
      JSON.stringify({ command, args }),
    );
  }
});

test('empty lists count as unset; an entrypoint of [""] means none', () => {
  assert.deepEqual(resolveCommand({ command: [], args: [], entrypoint: ['/ep'], cmd: ['c'] }), [
    '/ep',
    'c',
  ]);
  assert.deepEqual(resolveCommand({ entrypoint: [''], cmd: ['/bin/sh'] }), ['/bin/sh']);
  assert.deepEqual(resolveCommand({ args: ['/bin/true'] }), ['/bin/true']);
  assert.throws(
    () => resolveCommand({}),
    (e) => isPodkitError(e, 'CONTAINER_NO_COMMAND'),
  );
});

test('$(VAR) expands in the pod command and args, never in the image entrypoint', () => {
  const env = [
    { name: 'MESSAGE', value: 'hello world' },
    { name: 'GREETING', value: 'Warm greetings to' },
  ];
  assert.deepEqual(
    resolveCommand(
      { command: ['/bin/echo'], args: ['$(GREETING) $(MESSAGE)', '$$(MESSAGE)', '$(NOPE)'] },
      env,
    ),
    ['/bin/echo', 'Warm greetings to hello world', '$(MESSAGE)', '$(NOPE)'],
  );
  assert.deepEqual(
    resolveCommand({ args: ['$(MESSAGE)'], entrypoint: ['/x', '$(MESSAGE)'] }, env),
    ['/x', '$(MESSAGE)', 'hello world'],
  );
});
