import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriLogWriter } from './cri-log-writer.js';
import { readLogs } from './cri-log-reader.js';

async function tempLog(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'podkit-log-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, '0.log');
}

test('reader: tail, timestamps, stderr tag, malformed lines skipped', async (t) => {
  const path = await tempLog(t);
  await appendFile(
    path,
    [
      '2016-10-06T00:17:09.669794202Z stdout F one',
      'garbage',
      '2016-10-06T00:17:09.669794203Z stderr P tw',
      '2016-10-06T00:17:09.669794204Z stdout F three',
      '2016-10-06T00:17:09.669794205Z stderr F o',
      '2016-10-06T00:17:10.000000000Z stdout F',
      '',
    ].join('\n'),
  );
  const all: string[] = [];
  for await (const e of readLogs(path)) all.push(`${e.stream}:${e.line.toString()}`);
  assert.deepEqual(all, ['stdout:one', 'stdout:three', 'stderr:two', 'stdout:']);
  const tail: string[] = [];
  for await (const e of readLogs(path, { tail: 2, timestamps: true }))
    tail.push(e.output.toString());
  assert.deepEqual(tail, [
    '2016-10-06T00:17:09.669794203Z two\n',
    '2016-10-06T00:17:10.000000000Z \n',
  ]);
  await assert.rejects(
    async () => {
      for await (const e of readLogs(join(path, '..', 'missing.log')))
        assert.fail(e.output.toString());
    },
    { code: 'LOG_NOT_FOUND' },
  );
});

test('reader: follow yields appended lines and stops on abort', async (t) => {
  const path = await tempLog(t);
  const log = await CriLogWriter.open(path);
  await log.write('stdout', false, Buffer.from('before'));
  const ac = new AbortController();
  const seen: string[] = [];
  const writes: Promise<void>[] = [];
  for await (const e of readLogs(path, { tail: 1, follow: true, signal: ac.signal, pollMs: 20 })) {
    seen.push(e.line.toString());
    if (e.line.toString() === 'before') {
      // Appended only once the reader is following, so none can slip past it.
      writes.push(
        (async () => {
          await log.write('stdout', true, Buffer.from('af'));
          await log.write('stdout', false, Buffer.from('ter'));
          await log.write('stderr', false, Buffer.from('again'));
        })(),
      );
    }
    if (seen.length === 3) ac.abort();
  }
  await Promise.all(writes);
  await log.close();
  assert.deepEqual(seen, ['before', 'after', 'again']);
});
