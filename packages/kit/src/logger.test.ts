import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from './index.js';

function capture(): {
  lines: () => Record<string, unknown>[];
  stream: { write: (s: string) => void };
} {
  const chunks: string[] = [];
  return {
    stream: { write: (s: string) => void chunks.push(s) },
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

test('JSON lines with name, level label, ISO time and message', () => {
  const out = capture();
  const log = createLogger({ name: 'podkit-test', level: 'info', destination: out.stream });
  log.info({ sha: 'abc' }, 'synced');
  log.debug('not at info');
  const lines = out.lines();
  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.equal(line?.['name'], 'podkit-test');
  assert.equal(line['level'], 'info');
  assert.equal(line['msg'], 'synced');
  assert.equal(line['sha'], 'abc');
  assert.match(String(line['time']), /^\d{4}-\d\d-\d\dT/);
});

test('the level comes from config', () => {
  const out = capture();
  const log = createLogger({ name: 't', level: 'debug', destination: out.stream });
  log.debug('shown');
  log.trace('hidden');
  assert.deepEqual(
    out.lines().map((l) => l['msg']),
    ['shown'],
  );
});

test('secret fields are redacted, top level and one level down', () => {
  const out = capture();
  const log = createLogger({ name: 't', destination: out.stream, redact: ['passwordFile'] });
  log.info({ password: 'p1', config: { passwordFile: '/run/pw', token: 't1', repo: 'r' } }, 'x');
  const text = JSON.stringify(out.lines());
  for (const secret of ['p1', '/run/pw', 't1']) assert.ok(!text.includes(secret), secret);
  const [line] = out.lines();
  assert.deepEqual(line?.['config'], {
    passwordFile: '[redacted]',
    token: '[redacted]',
    repo: 'r',
  });
});
