import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { listenForLines, readLines } from './line-sources.js';
import { LineSplitter } from './line-splitter.js';

async function send(
  to: { path: string } | { port: number; host: string },
  text: string,
): Promise<void> {
  const s = connect(to);
  await once(s, 'connect');
  // Written in two pieces: a line split between two packets is still one line.
  s.write(text.slice(0, 7));
  await sleep(5);
  s.end(text.slice(7));
  await once(s, 'close');
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await sleep(10);
}

describe('line sources', () => {
  it('a Unix socket and a TCP port: lines from every client, with its peer', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'podkit-adapters-lines-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const got: [string, string][] = [];
    const path = join(dir, 'log.sock');
    const unix = await listenForLines({ path }, (l, peer) => {
      got.push([l, peer]);
      return Promise.resolve();
    });
    t.after(() => unix.close());
    const tcp = await listenForLines({ host: '127.0.0.1', port: 0 }, (l, peer) => {
      got.push([l, peer]);
      return Promise.resolve();
    });
    t.after(() => tcp.close());
    assert.match(tcp.address, /^127\.0\.0\.1:\d+$/);
    const port = Number(tcp.address.split(':')[1]);

    await Promise.all([
      send({ path }, 'unix line 1\nunix line 2\r\nno newline at the end'),
      send({ host: '127.0.0.1', port }, 'tcp line 1\ntcp line 2\n'),
    ]);
    await until(() => got.length === 5);
    const byPeer = (p: (peer: string) => boolean) =>
      got.filter(([, peer]) => p(peer)).map(([l]) => l);
    assert.deepEqual(
      byPeer((p) => p === 'unix'),
      ['unix line 1', 'unix line 2', 'no newline at the end'],
    );
    assert.deepEqual(
      byPeer((p) => p.startsWith('127.0.0.1:')),
      ['tcp line 1', 'tcp line 2'],
    );
  });

  it('readLines keeps order and waits for each line to be handled', async () => {
    const input = new PassThrough();
    const got: string[] = [];
    const done = readLines(input, async (l) => {
      await sleep(1);
      got.push(l);
    });
    input.end('a\nb\nc');
    await done;
    assert.deepEqual(got, ['a', 'b', 'c']);
  });

  it('LineSplitter: whole, byte by byte and at random points, the same lines', () => {
    const text = 'first\r\nsecond\n\nfourth é€ line\r\n\r\nlast without newline';
    const want = ['first', 'second', '', 'fourth é€ line', '', 'last without newline'];
    const split = (pieces: string[]): string[] => {
      const s = new LineSplitter();
      const out = pieces.flatMap((p) => [...s.push(p)]);
      const last = s.end();
      return last === undefined ? out : [...out, last];
    };
    assert.deepEqual(split([text]), want);
    assert.deepEqual(
      split(Array.from({ length: text.length }, (_, i) => text.slice(i, i + 1))),
      want,
    );
    for (let round = 0; round < 200; round++) {
      const cuts = [0, ...Array.from({ length: 4 }, () => Math.floor(Math.random() * text.length))]
        .sort((a, b) => a - b)
        .concat(text.length);
      const pieces = cuts.slice(1).map((c, i) => text.slice(cuts[i], c));
      assert.deepEqual(split(pieces), want, JSON.stringify(pieces));
    }
  });

  it('LineSplitter: a line without newline over the limit goes out in pieces', () => {
    const s = new LineSplitter(10);
    assert.deepEqual([...s.push('x'.repeat(25))], ['x'.repeat(10), 'x'.repeat(10)]);
    assert.equal(s.holding, true);
    assert.deepEqual([...s.push('y\nz')], [`${'x'.repeat(5)}y`]);
    assert.equal(s.end(), 'z');
    assert.equal(s.end(), undefined);
  });

  it('readLines: a stream of one endless line does not hold more than the limit', async () => {
    const input = new PassThrough();
    const sizes: number[] = [];
    const done = readLines(input, (l) => {
      sizes.push(l.length);
      return Promise.resolve();
    });
    for (let i = 0; i < 40; i++) input.write('z'.repeat(64 * 1024)); // 2.5 MiB, no newline
    input.end('\n');
    await done;
    assert.deepEqual(sizes, [1024 * 1024, 1024 * 1024, 512 * 1024]);
  });
});
