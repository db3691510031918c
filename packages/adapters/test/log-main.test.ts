import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const bin = fileURLToPath(new URL('../src/log-main.ts', import.meta.url));

describe('podkit-log-adapter (bin)', () => {
  it('stdin → one JSON object per line on stdout, its own logs on stderr', () => {
    const input = [
      '127.0.0.1 - - [01/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.0"',
      'not an access line',
      '',
      '',
    ].join('\n');
    const r = spawnSync(
      process.execPath,
      [
        '--conditions=podkit-source',
        '--import',
        'tsx',
        bin,
        '--format',
        'nginx',
        '--stdin',
        '--label',
        'pod=web',
      ],
      { input, encoding: 'utf8', env: { PATH: process.env['PATH'] }, timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(recs.length, 3); // the empty line is a record too (parse_error), never dropped
    assert.equal(recs[0]?.['status'], 200);
    assert.deepEqual(recs[0]['source'], { pod: 'web' });
    assert.equal(recs[1]?.['parse_error'], 'not a combined/common log line');
    assert.equal(recs[1]['message'], 'not an access line');
    assert.match(r.stderr, /"msg":"starting"/);
  });

  it('exits 2 on a bad flag or without input', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--conditions=podkit-source', '--import', 'tsx', bin, ...args], {
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] },
        timeout: 60_000,
      });
    assert.equal(run('--format', 'xml', '--stdin').status, 2);
    assert.equal(run('--format', 'nginx').status, 2);
  });
});
