import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { familiesFromRegistry } from '../exposition/from-prom-client.js';
import { encodeText } from '../exposition/encode.js';
import { MetricSet } from '../exposition/metric-set.js';
import { samples } from '../../test/samples.js';
import { followFile } from './follow-file.js';
import { LogMetrics } from './log-metrics.js';
import { LogPipeline } from './pipeline.js';

function collect(out: PassThrough): string[] {
  const lines: string[] = [];
  let pending = '';
  out.on('data', (c: Buffer) => {
    pending += c.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
  });
  return lines;
}

describe('LogPipeline', () => {
  it('writes one JSON object per line, keeps unparsable lines with parse_error, counts metrics', async () => {
    const out = new PassThrough();
    const lines = collect(out);
    const metrics = new LogMetrics('nginx_log');
    const p = new LogPipeline({
      format: 'nginx',
      labels: { pod: 'web' },
      out,
      metrics,
      now: () => new Date('2024-01-01T00:00:00Z'),
    });
    await p.push('1.2.3.4 - - [01/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "x" 0.020', {
      file: 'access.log',
    });
    await p.push('1.2.3.4 - - [01/Jan/2024:10:00:01 +0000] "GET /x HTTP/1.1" 404 0 "-" "x" 0.700');
    await p.push('garbage with a "quote"\nand a newline');
    await sleep(10);
    assert.equal(lines.length, 3);
    const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(recs[0]?.['source'], { pod: 'web', file: 'access.log' });
    assert.equal(recs[0]['status'], 200);
    assert.equal(recs[0]['time'], '2024-01-01T10:00:00.000Z');
    assert.deepEqual(recs[2], {
      time: '2024-01-01T00:00:00.000Z',
      source: { pod: 'web' },
      format: 'nginx',
      parse_error: 'not a combined/common log line',
      message: 'garbage with a "quote"\nand a newline',
    });
    const set = new MetricSet();
    for (const f of await familiesFromRegistry(metrics.registry)) set.addFamily(f);
    const s = samples(encodeText(set.families()));
    assert.equal(s.get('nginx_log_http_requests_total{status="200"}'), 1);
    assert.equal(s.get('nginx_log_http_requests_total{status="404"}'), 1);
    assert.equal(s.get('nginx_log_lines_total{result="parse_error"}'), 1);
    assert.equal(s.get('nginx_log_http_request_duration_seconds_bucket{le="0.025"}'), 1);
    assert.equal(s.get('nginx_log_http_request_duration_seconds_count'), 2);
  });

  it('CRI input: partial lines rejoined, JSON app lines passed through, stream label', async () => {
    const out = new PassThrough();
    const lines = collect(out);
    const p = new LogPipeline({ format: 'cri', labels: { container: 'app' }, out });
    await p.push('2024-01-01T00:00:00Z stdout P {"level":"info",');
    await p.push('2024-01-01T00:00:01Z stdout F "msg":"hi"}');
    await p.push('2024-01-01T00:00:02Z stderr F plain text');
    await p.push('not cri');
    await sleep(10);
    const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(recs[0], {
      time: '2024-01-01T00:00:00.000Z',
      source: { container: 'app', stream: 'stdout' },
      format: 'cri',
      level: 'info',
      msg: 'hi',
    });
    assert.deepEqual(recs[1], {
      time: '2024-01-01T00:00:02.000Z',
      source: { container: 'app', stream: 'stderr' },
      format: 'cri',
      message: 'plain text',
    });
    assert.equal(recs[2]?.['parse_error'], 'not a CRI log line');
  });
});

describe('followFile', () => {
  function follow(t: { after(fn: () => Promise<void> | void): void }, path: string): string[] {
    const got: string[] = [];
    const ac = new AbortController();
    const done = followFile(path, {
      signal: ac.signal,
      pollMs: 20,
      fromStart: true,
      onLine: (l) => {
        got.push(l);
      },
    });
    t.after(async () => {
      ac.abort();
      await done;
    });
    return got;
  }
  /** A fresh directory for one test's log files, removed after it. */
  async function logDir(t: { after(fn: () => Promise<void> | void): void }): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'podkit-follow-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }
  const until = async (cond: () => boolean): Promise<void> => {
    for (let i = 0; i < 500 && !cond(); i++) await sleep(10);
  };

  it('loses no line across rename+create rotation while being written', async (t) => {
    const dir = await logDir(t);
    const path = join(dir, 'app.log');
    await writeFile(path, '');
    const got = follow(t, path);
    const want: string[] = [];
    for (let i = 0; i < 300; i++) {
      want.push(`line ${i}`);
      await appendFile(path, `line ${i}\n`);
      if (i === 100 || i === 200) {
        await rename(path, join(dir, `app.log.${i}`)); // logrotate's default (create)
        await appendFile(join(dir, `app.log.${i}`), `late ${i}\n`); // writer still on the old fd
        want.push(`late ${i}`);
        await writeFile(path, '');
      }
      if (i % 50 === 0) await sleep(5);
    }
    await until(() => got.length >= want.length);
    assert.deepEqual([...got].sort(), [...want].sort());
    assert.equal(new Set(got).size, got.length);
  });

  it('keeps reading a rotated-away file: a writer that has not reopened yet loses nothing', async (t) => {
    const dir = await logDir(t);
    const path = join(dir, 'app.log');
    await writeFile(path, 'before\n');
    const got = follow(t, path);
    await until(() => got.includes('before'));
    await rename(path, `${path}.1`);
    await writeFile(path, 'new 1\n');
    // The follower is on the new file now; the writer still appends to the old one.
    await until(() => got.includes('new 1'));
    await appendFile(`${path}.1`, 'late\n');
    await appendFile(path, 'new 2\n');
    await until(() => got.includes('late') && got.includes('new 2'));
    assert.deepEqual([...got].sort(), ['before', 'late', 'new 1', 'new 2']);
  });

  it('copytruncate: starts again from 0 when the file shrinks; holds a partial line', async (t) => {
    const dir = await logDir(t);
    const path = join(dir, 'app.log');
    await writeFile(path, 'a\nb\n');
    const got = follow(t, path);
    await until(() => got.length === 2);
    await truncate(path, 0);
    await sleep(100);
    await appendFile(path, 'c\nd');
    await sleep(100);
    assert.deepEqual(got, ['a', 'b', 'c']);
    await appendFile(path, 'd\n');
    await until(() => got.length === 4);
    assert.deepEqual(got, ['a', 'b', 'c', 'dd']);
  });

  it('keeps a UTF-8 character split between two reads whole; strips CRLF', async (t) => {
    const dir = await logDir(t);
    const path = join(dir, 'app.log');
    // Reads are 64 KiB: "é" (2 bytes) and "€" (3 bytes) straddle the first two boundaries.
    const first = `${'a'.repeat(64 * 1024 - 1)}é`;
    const second = `${'b'.repeat(128 * 1024 - 1 - Buffer.byteLength(`${first}\n`))}€ok`;
    await writeFile(path, `${first}\n${second}\r\nlast\n`);
    assert.ok(Buffer.byteLength(`${first}\n`) > 64 * 1024);
    const got = follow(t, path);
    await until(() => got.length === 3);
    assert.deepEqual(got, [first, second, 'last']);
  });

  it('waits for a file that does not exist yet', async (t) => {
    const dir = await logDir(t);
    const path = join(dir, 'later.log');
    const got = follow(t, path);
    await sleep(60);
    await writeFile(path, 'x\n');
    await until(() => got.length === 1);
    assert.deepEqual(got, ['x']);
  });
});
