import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingOutput, readmeBlocks } from './readme-steps.js';
import { substitute } from './readme-substitutions.js';

const README = [
  '# Title',
  '',
  '```console',
  '# podkit up --wait -f examples/x/pod.yaml',
  'pod/x ready (IP 10.89.0.2)',
  '# podkit image add a --host \\',
  '    --entrypoint \'["a"]\'',
  '```',
  '',
  '<!-- readme-test: skip (installs packages) -->',
  '',
  '```sh',
  'bash scripts/setup.sh   # comment',
  '```',
  '',
  '```yaml',
  'kind: Pod',
  '```',
].join('\n');

test('readmeBlocks: console prompts, continuations, expected output, marks; other fences ignored', () => {
  const blocks = readmeBlocks(README);
  assert.deepEqual(blocks, [
    {
      line: 3,
      lang: 'console',
      steps: [
        {
          line: 4,
          command: 'podkit up --wait -f examples/x/pod.yaml',
          expected: ['pod/x ready (IP 10.89.0.2)'],
        },
        {
          line: 6,
          command: 'podkit image add a --host \\\n    --entrypoint \'["a"]\'',
          expected: [],
        },
      ],
    },
    {
      line: 12,
      lang: 'sh',
      mark: { kind: 'skip', reason: 'installs packages' },
      steps: [{ line: 13, command: 'bash scripts/setup.sh   # comment', expected: [] }],
    },
  ]);
  assert.throws(() => readmeBlocks('<!-- readme-test: skipp -->\n'), /not a readme-test mark/);
});

test('missingOutput: in order, … for anything, any IPv4 and duration; a changed value is missing', () => {
  const out = 'noise\npod/x ready (IP 10.89.7.2)\n[demo] page: v2  (after 7 ms)\n{"visits":2}\n';
  assert.deepEqual(
    missingOutput(['pod/x ready (IP 10.89.0.2)', '…', '[demo] page: v2  (after 61 ms)'], out),
    [],
  );
  assert.deepEqual(missingOutput(['{"visits":1}'], out), ['{"visits":1}']);
  assert.deepEqual(missingOutput(['[demo] page: …', 'pod/x ready (IP 1.2.3.4)'], out), [
    'pod/x ready (IP 1.2.3.4)',
  ]);
});

test('substitute: whole tokens only; a path where it starts, not inside $PWD/…', () => {
  const used = new Set<string>();
  const subs = [
    ['6380', '11000'],
    ['examples/x/', '/tmp/t/x/'],
    ['/run/demo', '/tmp/d'],
    ['unused', 'u'],
  ] as const;
  assert.equal(
    substitute(
      '-p 6380 -p 26380 ${P:-6380} -f examples/x/a "$PWD/examples/x/b" ${D:-/run/demo}',
      subs,
      used,
    ),
    '-p 11000 -p 26380 ${P:-11000} -f /tmp/t/x/a "$PWD/examples/x/b" ${D:-/tmp/d}',
  );
  assert.deepEqual([...used].sort(), ['/run/demo', '6380', 'examples/x/']);
});
