import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandEnv, expandVariables, mergeEnv } from './expand-env.js';

const vars: Record<string, string> = { VAR_A: 'A', VAR_B: 'B', EMPTY: '' };
const lookup = (n: string): string | undefined => vars[n];

test('$(VAR) expansion follows the Kubernetes table', () => {
  const table: [string, string][] = [
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-$(VAR_B)', 'A-B'],
    ['$(VAR_A)$(VAR_B)', 'AB'],
    ['$(EMPTY)x', 'x'],
    ['$(UNKNOWN)', '$(UNKNOWN)'], // unresolved stays literal
    ['$$(VAR_A)', '$(VAR_A)'], // escaped
    ['$$$(VAR_A)', '$A'], // escaped $ then a reference
    ['$$$$(VAR_A)', '$$(VAR_A)'],
    ['$$', '$'],
    ['$', '$'], // trailing operator
    ['$VAR_A', '$VAR_A'], // shell syntax is not expanded
    ['$(VAR_A', '$(VAR_A'], // unterminated reference
    ['$()', '$()'],
    ['foo$(VAR_A)bar$(VAR_B)baz', 'fooAbarBbaz'],
    ['no refs', 'no refs'],
  ];
  for (const [input, want] of table) assert.equal(expandVariables(input, lookup), want, input);
});

test('env values see earlier entries only (define interdependent env vars)', () => {
  // The example from "Define Dependent Environment Variables" in the Kubernetes docs.
  const out = expandEnv([
    { name: 'SERVICE_PORT', value: '80' },
    { name: 'SERVICE_IP', value: '172.17.0.1' },
    { name: 'UNCHANGED_REFERENCE', value: '$(PROTOCOL)://$(SERVICE_IP):$(SERVICE_PORT)' },
    { name: 'PROTOCOL', value: 'https' },
    { name: 'SERVICE_ADDRESS', value: '$(PROTOCOL)://$(SERVICE_IP):$(SERVICE_PORT)' },
    { name: 'ESCAPED_REFERENCE', value: '$$(PROTOCOL)://$(SERVICE_IP):$(SERVICE_PORT)' },
  ]);
  assert.deepEqual(Object.fromEntries(out.map((e) => [e.name, e.value])), {
    SERVICE_PORT: '80',
    SERVICE_IP: '172.17.0.1',
    UNCHANGED_REFERENCE: '$(PROTOCOL)://172.17.0.1:80',
    PROTOCOL: 'https',
    SERVICE_ADDRESS: 'https://172.17.0.1:80',
    ESCAPED_REFERENCE: '$(PROTOCOL)://172.17.0.1:80',
  });
});

test('a redefined name wins and chains through context', () => {
  const out = expandEnv(
    [
      { name: 'A', value: '1' },
      { name: 'B', value: '$(A)-$(CTX)' },
      { name: 'A', value: '$(A)$(A)' },
    ],
    { CTX: 'c' },
  );
  assert.deepEqual(out, [
    { name: 'A', value: '11' },
    { name: 'B', value: '1-c' },
  ]);
});

test('container env replaces image env of the same name', () => {
  assert.deepEqual(
    mergeEnv(
      ['PATH=/bin', 'A=img', 'BAD'],
      [
        { name: 'A', value: 'pod' },
        { name: 'B', value: 'x=y' },
      ],
    ),
    ['PATH=/bin', 'A=pod', 'B=x=y'],
  );
});
