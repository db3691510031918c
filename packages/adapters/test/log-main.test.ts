import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { freeHostPort } from '@podkit/runtime/testing';
import { binArgv } from '../../kit/test/bin-under-test.js';

const nodeArgs = binArgv('adapters', 'log-main', 'podkit-log-adapter');
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
      [...nodeArgs, '--format', 'nginx', '--stdin', '--label', 'pod=web'],
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
      spawnSync(process.execPath, [...nodeArgs, '--format', 'nginx', '--stdin'], {
        input: `${ACCESS_LINE}\n${ACCESS_LINE}\n`,
        encoding: 'utf8',
        stdio: ['pipe', stdout, stderr],
        env: { PATH: process.env['PATH'] },
        timeout: 60_000,
      });
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
    const m = /^# podkit logs deploy\/nginx-monitored -c log-adapter \| (.*)$/m.exec(
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
      spawnSync(process.execPath, [...nodeArgs, ...args], {
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] },
        timeout: 60_000,
      });
    assert.equal(run('--format', 'xml', '--stdin').status, 2);
    assert.equal(run('--format', 'nginx').status, 2);
  });

  it('follows a file: records on stdout, counts on --metrics-bind, /readyz, SIGTERM exits 0', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'podkit-log-main-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'access.log');
    await writeFile(file, '');
    const port = await freeHostPort();
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        '--format=nginx',
        `--file=${file}`,
        `--metrics-bind=127.0.0.1:${port}`,
        '--poll-interval=50ms',
      ],
      { env: { PATH: process.env['PATH'] }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = once(child, 'exit');
    t.after(async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    const status = async (): Promise<number> =>
      (await fetch(`${url}/readyz`).catch(() => undefined))?.status ?? 0;
    for (let i = 0; (await status()) !== 200; i++) {
      if (child.exitCode !== null || i > 1500) assert.fail(`not ready: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // The file is followed from its end once open: append until a record comes out.
    const line =
      '10.0.0.1 - - [07/Dec/2026:04:00:00 +0000] "GET /bundled HTTP/1.1" 404 12 "-" "test"\n';
    for (let i = 0; !out.includes('"path":"/bundled"'); i++) {
      if (i > 600) assert.fail(`no record after ${i} lines: ${out}${err}`);
      await appendFile(file, line);
      await new Promise((r) => setTimeout(r, 50));
    }
    const record = JSON.parse(out.split('\n').find((l) => l.includes('/bundled')) ?? '') as Record<
      string,
      unknown
    >;
    assert.equal(record['status'], 404);
    assert.equal(record['format'], 'nginx');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^log_http_requests_total\{status="404"\} [1-9]\d*$/m, metrics);
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, err);
  });
});
