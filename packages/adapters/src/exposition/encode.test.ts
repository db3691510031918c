import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { goldenSet } from '../../test/golden-set.js';
import { canonicalNumber, encodeText } from './encode.js';
import { encode, encodeOpenMetrics } from './encode-openmetrics.js';

const golden = (name: string): string =>
  readFileSync(new URL(`../../test/golden/${name}`, import.meta.url), 'utf8');

describe('encodeText (Prometheus 0.0.4)', () => {
  it('matches the golden file: escaping, NaN/±Inf, histogram, summary, order', () => {
    assert.equal(encodeText(goldenSet().families()), golden('exposition.prom'));
  });

  it('promtool check metrics exits 0 on it', () => {
    // promtool lints a counter without _total (as nginx-prometheus-exporter names some), so
    // that family is left out here; everything else must pass unchanged.
    const families = goldenSet()
      .families()
      .filter((f) => f.name !== 'nginx_connections_accepted');
    const r = spawnSync('promtool', ['check', 'metrics'], { input: encodeText(families) });
    assert.equal(r.error, undefined);
    assert.equal(r.status, 0, `${r.stdout.toString()}${r.stderr.toString()}`);
  });

  it('each family is contiguous with one HELP and TYPE, each series once', () => {
    const lines = encodeText(goldenSet().families()).trimEnd().split('\n');
    const seen = new Set<string>();
    const typed = new Set<string>();
    for (const l of lines) {
      if (l.startsWith('# TYPE ')) {
        const name = l.split(' ')[2] ?? '';
        assert.ok(!typed.has(name), `TYPE ${name} twice`);
        typed.add(name);
      } else if (!l.startsWith('#')) {
        const series = l.slice(0, l.lastIndexOf('}') + 1) || (l.split(' ')[0] ?? '');
        assert.ok(!seen.has(series), `series ${series} twice`);
        seen.add(series);
      }
    }
  });

  it('is empty for no families and ends with a newline otherwise', () => {
    assert.equal(encodeText([]), '');
    assert.ok(encodeText(goldenSet().families()).endsWith('+Inf\n'));
  });
});

describe('encodeOpenMetrics (1.0.0)', () => {
  it('matches the golden file: _total, _created, unknown, canonical le, # EOF', () => {
    assert.equal(encodeOpenMetrics(goldenSet().families()), golden('exposition.openmetrics'));
  });

  it('ends with # EOF, has no blank line and no other comments', () => {
    const body = encodeOpenMetrics(goldenSet().families());
    assert.ok(body.endsWith('\n# EOF\n'));
    for (const l of body.trimEnd().split('\n')) {
      assert.notEqual(l, '');
      if (l.startsWith('#')) assert.match(l, /^# (TYPE|HELP|EOF)/);
    }
    assert.equal(encodeOpenMetrics([]), '# EOF\n');
  });

  it('renders le and quantile canonically', () => {
    assert.equal(canonicalNumber(1), '1.0');
    assert.equal(canonicalNumber(0.25), '0.25');
    assert.equal(canonicalNumber(Infinity), '+Inf');
    assert.equal(canonicalNumber(1e21), '1e+21');
  });

  it('encode() pairs each body with its content type', () => {
    assert.equal(
      encode([], 'openmetrics-1.0.0').contentType,
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    assert.equal(encode([], 'text-0.0.4').contentType, 'text/plain; version=0.0.4; charset=utf-8');
  });
});
