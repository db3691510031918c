import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dataFrameHeader,
  encodeData,
  encodeGoAway,
  encodeHeaders,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSynReply,
  encodeSynStream,
  encodeWindowUpdate,
} from './frame-writer.js';
import { SpdyFramer } from './framer.js';
import type { FrameEvent } from './frames.js';

/** Every event of `chunks` fed in order; DATA pieces joined back into one event per frame. */
function read(chunks: readonly Buffer[], framer = new SpdyFramer()): FrameEvent[] {
  const out: FrameEvent[] = [];
  let parts: Buffer[] = [];
  for (const c of chunks) {
    framer.push(c);
    for (let ev = framer.next(); ev; ev = framer.next()) {
      if (ev.kind !== 'data') {
        out.push(ev);
        continue;
      }
      parts.push(ev.data);
      if (ev.last) {
        out.push({ ...ev, data: Buffer.concat(parts), first: true });
        parts = [];
      }
    }
  }
  return out;
}

const block = Buffer.from('compressed header block');

/** One of each frame this package writes, with what the framer must read back. */
const SAMPLES: { bytes: Buffer; frame: FrameEvent }[] = [
  {
    bytes: encodeSynStream(1, block, { priority: 5, fin: true }),
    frame: {
      kind: 'syn_stream',
      streamId: 1,
      associatedId: 0,
      priority: 5,
      slot: 0,
      fin: true,
      unidirectional: false,
      headerBlock: block,
    },
  },
  {
    bytes: encodeSynReply(3, block),
    frame: { kind: 'syn_reply', streamId: 3, fin: false, headerBlock: block },
  },
  {
    bytes: encodeHeaders(5, block, true),
    frame: { kind: 'headers', streamId: 5, fin: true, headerBlock: block },
  },
  { bytes: encodeRstStream(7, 5), frame: { kind: 'rst_stream', streamId: 7, status: 5 } },
  {
    bytes: encodeSettings([{ id: 7, flags: 1, value: 65536 }]),
    frame: { kind: 'settings', clear: false, settings: [{ id: 7, flags: 1, value: 65536 }] },
  },
  { bytes: encodePing(0xfffffffe), frame: { kind: 'ping', id: 0xfffffffe } },
  {
    bytes: encodeGoAway(9, 1),
    frame: { kind: 'goaway', lastGoodStreamId: 9, status: 1 },
  },
  {
    bytes: encodeWindowUpdate(0, 1000),
    frame: { kind: 'window_update', streamId: 0, delta: 1000 },
  },
  {
    bytes: encodeData(0x7fffffff, Buffer.from('hello'), true),
    frame: {
      kind: 'data',
      streamId: 0x7fffffff,
      data: Buffer.from('hello'),
      first: true,
      last: true,
      fin: true,
    },
  },
  {
    bytes: encodeData(1, Buffer.alloc(0), true),
    frame: { kind: 'data', streamId: 1, data: Buffer.alloc(0), first: true, last: true, fin: true },
  },
];

test('every frame round-trips whole, byte by byte, and all in one chunk', () => {
  for (const { bytes, frame } of SAMPLES) {
    assert.deepEqual(read([bytes]), [frame]);
    assert.deepEqual(read([...bytes].map((b) => Buffer.of(b))), [frame]);
  }
  const all = Buffer.concat(SAMPLES.map((s) => s.bytes));
  assert.deepEqual(
    read([all]),
    SAMPLES.map((s) => s.frame),
  );
});

test('DATA payloads are views of the received chunk, handed out as they arrive', () => {
  const framer = new SpdyFramer();
  const payload = Buffer.alloc(100_000, 7);
  const frame = Buffer.concat([dataFrameHeader(3, payload.length, false), payload]);
  const first = frame.subarray(0, 60_000);
  framer.push(first);
  const a = framer.next();
  assert.ok(a?.kind === 'data');
  assert.equal(a.first, true);
  assert.equal(a.last, false);
  assert.equal(a.data.length, 60_000 - 8);
  // The same memory as the chunk pushed: no copy.
  assert.equal(a.data.buffer, first.buffer);
  assert.equal(a.data.byteOffset, first.byteOffset + 8);
  assert.equal(framer.next(), undefined);
  assert.equal(framer.buffered, 0);
  const rest = frame.subarray(60_000);
  framer.push(rest);
  const b = framer.next();
  assert.ok(b?.kind === 'data' && !b.first && b.last && !b.fin);
  assert.equal(b.data, rest);
});

test('a control frame split across chunks is held until whole; unknown types are skipped', () => {
  const unknown = Buffer.from([0x80, 0x03, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb]);
  const ping = encodePing(1);
  const events = read([unknown.subarray(0, 9), Buffer.concat([unknown.subarray(9), ping])]);
  assert.deepEqual(events, [{ kind: 'ping', id: 1 }]);
});

test('errors: one event, then nothing more is read', () => {
  const cases: [Buffer, RegExp][] = [
    [Buffer.from([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]), /unsupported SPDY version 2/],
    [Buffer.from([0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0]), /DATA frame on stream 0/],
    [Buffer.from([0x80, 0x03, 0x00, 0x06, 0, 0, 0, 3, 0, 0, 1]), /PING frame of 3 bytes/],
    [Buffer.from([0x80, 0x03, 0x00, 0x03, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0]), /status 0/],
    [Buffer.from([0x80, 0x03, 0x00, 0x01, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), /stream 0/],
    [Buffer.from([0x80, 0x03, 0x00, 0x04, 0, 0, 0, 4, 0, 0, 0, 1]), /SETTINGS frame of 4 bytes/],
    [Buffer.from([0x80, 0x03, 0x00, 0x09, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0]), /delta of 0/],
  ];
  for (const [bytes, message] of cases) {
    const framer = new SpdyFramer();
    framer.push(bytes);
    const ev = framer.next();
    assert.ok(ev?.kind === 'error', message.source);
    assert.match(ev.message, message);
    framer.push(encodePing(1));
    assert.equal(framer.next(), undefined);
    assert.equal(framer.failed, true);
  }
});

test('a control frame over the limit fails from its header alone', () => {
  const framer = new SpdyFramer({ maxControlFrameLength: 100 });
  framer.push(encodeSynStream(1, Buffer.alloc(200)).subarray(0, 8));
  const ev = framer.next();
  assert.deepEqual(ev, {
    kind: 'error',
    message: 'control frame of 210 bytes exceeds the limit of 100',
  });
});

test('the writer refuses what the wire cannot carry', () => {
  assert.throws(() => dataFrameHeader(0x80000000, 1, false), RangeError);
  assert.throws(() => dataFrameHeader(1, 0x1000000, false), RangeError);
});
