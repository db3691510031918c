import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, isPodkitError, parseDuration, tryParseDuration } from './index.js';

test('durations parse with Go rules (table)', () => {
  const table: [string, number][] = [
    ['0', 0],
    ['-0', 0],
    ['10s', 10_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['+3s', 3000],
    ['-1.5s', -1500],
    ['100us', 0.1],
    ['100µs', 0.1],
    ['100μs', 0.1],
    ['2000000ns', 2],
    ['0s', 0],
    ['3m3m', 360_000],
  ];
  for (const [text, ms] of table) {
    const r = tryParseDuration(text);
    assert.ok(r.ok, `${text} parses`);
    assert.ok(Math.abs(r.ms - ms) < 1e-9, `${text} → ${ms}, got ${r.ms}`);
  }
});

test('bad durations say why', () => {
  const table: [string, string][] = [
    ['10', 'missing unit in duration "10" (did you mean 10s?)'],
    ['1.5', 'missing unit in duration "1.5" (did you mean 1.5s?)'],
    ['', 'empty duration'],
    ['-', 'empty duration'],
    ['s', 'invalid duration "s": a number must come before "s"'],
    ['.s', 'invalid duration ".s": a number must come before "s"'],
    ['5d', 'unknown unit "d" in duration "5d" (use ns, us, ms, s, m or h)'],
    ['1m 30s', 'invalid duration "1m 30s"'],
    ['1s2', 'invalid duration "1s2"'],
    ['10S', 'invalid duration "10S"'],
    ['ten seconds', 'invalid duration "ten seconds": a number must come before "ten"'],
  ];
  for (const [text, reason] of table) {
    assert.deepEqual(tryParseDuration(text), { ok: false, reason }, text);
  }
});

test('parseDuration throws KIT_DURATION_INVALID with a hint', () => {
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.throws(
    () => parseDuration('30'),
    (e) => isPodkitError(e, 'KIT_DURATION_INVALID') && e.hint !== undefined,
  );
});

test('formatDuration writes what parseDuration reads', () => {
  const table: [number, string][] = [
    [0, '0s'],
    [500, '500ms'],
    [10_000, '10s'],
    [90_000, '1m30s'],
    [7_200_000, '2h'],
    [3_723_004, '1h2m3s4ms'],
    [0.5, '500us'],
    [-1500, '-1s500ms'],
  ];
  for (const [ms, text] of table) {
    assert.equal(formatDuration(ms), text);
    const back = tryParseDuration(text);
    assert.ok(back.ok && Math.abs(back.ms - ms) < 1e-9, `${text} round-trips`);
  }
});
