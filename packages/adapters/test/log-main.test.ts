import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const bin = fileURLToPath(new URL('../src/log-main.ts', import.meta.url));
const README = fileURLToPath(
  new URL('../../../examples/monitoring-adapter/README.md', import.meta.url),
);
const ACCESS_LINE =
  '10.89.77.1 - - [05/Dec/2026:06:11:35 +0000] "GET / HTTP/1.1" 200 25 "-" "curl/7.88.1"';

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

  it("records and its own logs stay apart: separate streams, and in one merged log (a pod's, as `podkit logs` shows it) the README's filter keeps only records", async (t) => {
    const run = (stdout: number | 'pipe', stderr: number | 'pipe') =>
      spawnSync(
        process.execPath,
        ['--conditions=podkit-source', '--import', 'tsx', bin, '--format', 'nginx', '--stdin'],
        {
          input: `${ACCESS_LINE}\n${ACCESS_LINE}\n`,
          encoding: 'utf8',
          stdio: ['pipe', stdout, stderr],
          env: { PATH: process.env['PATH'] },
          timeout: 60_000,
        },
      );
    // Apart: stdout only records, stderr only the adapter's own lines, each carrying its name.
    const apart = run('pipe', 'pipe');
    assert.equal(apart.status, 0, apart.stderr);
    for (const l of apart.stdout.trimEnd().split('\n')) {
      const rec = JSON.parse(l) as Record<string, unknown>;
      assert.equal(rec['format'], 'nginx', l);
      assert.equal(rec['name'], undefined, l);
    }
    const own = apart.stderr.trimEnd().split('\n');
    assert.ok(own.length > 0);
    for (const l of own)
      assert.equal((JSON.parse(l) as { name?: string }).name, 'podkit-log-adapter');

    // Merged: a container's stdout and stderr in one log, start-up line first.
    const dir = await mkdtemp(join(tmpdir(), 'podkit-log-adapter-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const merged = join(dir, 'log');
    const fd = openSync(merged, 'w');
    try {
      assert.equal(run(fd, fd).status, 0);
    } finally {
      closeSync(fd);
    }
    const text = await readFile(merged, 'utf8');
    assert.match(text.split('\n')[0] ?? '', /"msg":"starting"/);
    // The README's command, as typed, with the merged log in place of `podkit logs`.
    const m = /^# podkit logs nginx-monitored -c log-adapter \| (.*)$/m.exec(
      await readFile(README, 'utf8'),
    );
    assert.ok(m?.[1] !== undefined, 'the README no longer shows podkit logs of the log adapter');
    const filtered = spawnSync('sh', ['-c', m[1]], { input: text, encoding: 'utf8' });
    assert.equal(filtered.status, 0, filtered.stderr);
    const first = JSON.parse(filtered.stdout.trim()) as Record<string, unknown>;
    assert.equal(first['format'], 'nginx', filtered.stdout);
    assert.equal(first['msg'], undefined, filtered.stdout);
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
