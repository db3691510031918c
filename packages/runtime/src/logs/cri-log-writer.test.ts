import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { CriLogWriter, formatCriTimestamp } from './cri-log-writer.js';
import { parseCriRecord, readLogs, type LogEntry } from './cri-log-reader.js';

async function tempLog(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'podkit-log-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, '0.log');
}

// 2016-10-06T00:17:09.669794202Z, the example from the CRI logging proposal.
const T0 = 1_475_713_029_669_794_202n;
const fixedClock = (): (() => bigint) => {
  let n = T0;
  return () => n++;
};

test('timestamps are RFC 3339 with nanoseconds', () => {
  assert.equal(formatCriTimestamp(T0), '2016-10-06T00:17:09.669794202Z');
  assert.equal(formatCriTimestamp(1_475_713_029_000_000_005n), '2016-10-06T00:17:09.000000005Z');
});

test('writer: CRI records per stream, \\r\\n stripped, last line without newline is F', async (t) => {
  const path = await tempLog(t);
  const log = await CriLogWriter.open(path, { now: fixedClock() });
  await log.pipe(Readable.from([Buffer.from('hello\r\nwor'), Buffer.from('ld\n\nend')]), 'stdout');
  await log.pipe(Readable.from([Buffer.from('oops\n')]), 'stderr');
  await log.close();
  const lines = (await readFile(path, 'utf8')).split('\n');
  assert.equal(lines.pop(), '');
  assert.deepEqual(
    lines.map((l) => l.replace(/^\S+ /, '')),
    ['stdout F hello', 'stdout F world', 'stdout F ', 'stdout F end', 'stderr F oops'],
  );
  for (const l of lines)
    assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [PF] /);
});

test('writer: lines over 16 KiB are split into P records; reader joins them back', async (t) => {
  const path = await tempLog(t);
  const log = await CriLogWriter.open(path);
  const long = Buffer.alloc(16 * 1024 * 2 + 100, 'a');
  const input = new PassThrough();
  const done = log.pipe(input, 'stdout');
  // Arrives byte-split across chunks, including an exact 16 KiB line.
  input.write(long.subarray(0, 5000));
  input.write(Buffer.concat([long.subarray(5000), Buffer.from('\n')]));
  input.end(Buffer.concat([Buffer.alloc(16 * 1024, 'b'), Buffer.from('\nshort\n')]));
  await done;
  await log.close();
  const recs = (await readFile(path))
    .toString('latin1')
    .split('\n')
    .filter((l) => l !== '');
  assert.deepEqual(
    recs.map((r) => {
      const p = parseCriRecord(Buffer.from(r, 'latin1'));
      return `${p?.partial === true ? 'P' : 'F'}${String(p?.content.length)}`;
    }),
    ['P16384', 'P16384', 'F100', 'F16384', 'F5'],
  );
  const entries: LogEntry[] = [];
  for await (const e of readLogs(path)) entries.push(e);
  assert.deepEqual(
    entries.map((e) => e.line.length),
    [long.length, 16 * 1024, 5],
  );
  assert.ok(entries[0]?.line.equals(long));
});
