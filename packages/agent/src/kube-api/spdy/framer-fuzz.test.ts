import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
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
import { decodeHeaderBlock, encodeHeaderBlock } from './header-block.js';

/*
 * Property-based tests of the framer (fast-check): valid frame sequences split anywhere come
 * out frame for frame; random bytes, random chunking and garbage after valid frames never
 * throw, fail only with the framer's own error event, and never hold more than one control
 * frame's worth of bytes.
 */

const LIMIT = 4096;

interface Run {
  events: FrameEvent[];
  error: string | undefined;
  maxBuffered: number;
}

function feed(chunks: readonly Buffer[]): Run {
  const framer = new SpdyFramer({ maxControlFrameLength: LIMIT });
  const run: Run = { events: [], error: undefined, maxBuffered: 0 };
  let parts: Buffer[] = [];
  for (const chunk of chunks) {
    framer.push(chunk);
    for (let ev = framer.next(); ev; ev = framer.next()) {
      if (ev.kind === 'error') {
        assert.equal(run.error, undefined, 'one error at most');
        run.error = ev.message;
        continue;
      }
      if (ev.kind !== 'data') {
        run.events.push(ev);
        continue;
      }
      parts.push(ev.data);
      if (ev.last) {
        run.events.push({ ...ev, data: Buffer.concat(parts), first: true });
        parts = [];
      }
    }
    run.maxBuffered = Math.max(run.maxBuffered, framer.buffered);
  }
  return run;
}

/** Cuts `data` at the given offsets (modulo its length). */
function cut(data: Buffer, points: readonly number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...at, data.length]) {
    if (p > prev) out.push(data.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  return out;
}

const id = fc.integer({ min: 1, max: 0x7fffffff });
const bytes = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a.buffer, a.byteOffset, a.length));

/** A valid frame's wire bytes. */
const frameArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(id, bytes(2000), fc.boolean()).map(([i, data, fin]) => encodeData(i, data, fin)),
  fc
    .tuple(id, bytes(200), fc.integer({ min: 0, max: 7 }), fc.boolean())
    .map(([i, b, priority, fin]) => encodeSynStream(i, b, { priority, fin })),
  fc.tuple(id, bytes(200)).map(([i, b]) => encodeSynReply(i, b)),
  fc.tuple(id, bytes(200), fc.boolean()).map(([i, b, fin]) => encodeHeaders(i, b, fin)),
  fc.tuple(id, fc.integer({ min: 1, max: 11 })).map(([i, s]) => encodeRstStream(i, s)),
  fc
    .array(
      fc.record({
        id: fc.integer({ min: 0, max: 0xffffff }),
        flags: fc.integer({ min: 0, max: 255 }),
        value: fc.nat(),
      }),
      { maxLength: 5 },
    )
    .map((s) => encodeSettings(s)),
  fc.nat().map((n) => encodePing(n)),
  fc.tuple(fc.nat({ max: 0x7fffffff }), fc.nat({ max: 2 })).map(([i, s]) => encodeGoAway(i, s)),
  fc
    .tuple(fc.nat({ max: 0x7fffffff }), fc.integer({ min: 1, max: 0x7fffffff }))
    .map(([i, d]) => encodeWindowUpdate(i, d)),
);

test('valid frames split anywhere read as when whole', () => {
  fc.assert(
    fc.property(
      fc.array(frameArb, { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (frames, points) => {
        const wire = Buffer.concat(frames);
        const whole = feed([wire]);
        const split = feed(cut(wire, points));
        assert.equal(whole.error, undefined);
        assert.equal(whole.events.length, frames.length);
        assert.deepEqual(split, { ...whole, maxBuffered: split.maxBuffered });
        const bytewise = feed([...wire].map((b) => Buffer.of(b)));
        assert.deepEqual(bytewise.events, whole.events);
      },
    ),
    { numRuns: 300 },
  );
});

test('random bytes, randomly chunked: never a throw, only the framer error, bounded memory', () => {
  fc.assert(
    fc.property(
      fc.array(frameArb, { maxLength: 4 }),
      bytes(3000),
      fc.array(fc.nat(), { maxLength: 40 }),
      (frames, garbage, points) => {
        const wire = Buffer.concat([...frames, garbage]);
        const run = feed(cut(wire, points));
        // Held bytes: at most a control frame within the limit, its header, and one chunk.
        assert.ok(run.maxBuffered <= 8 + LIMIT + wire.length, String(run.maxBuffered));
        if (run.error !== undefined) assert.equal(typeof run.error, 'string');
      },
    ),
    { numRuns: 500 },
  );
});

test('garbage with a control bit and version 3 (the likeliest to pass the first checks)', () => {
  const control = fc
    .tuple(fc.integer({ min: 0, max: 12 }), fc.nat({ max: 255 }), bytes(64))
    .map(([type, flags, body]) => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(0x80030000 + type, 0);
      head.writeUInt32BE(flags * 0x1000000 + body.length, 4);
      return Buffer.concat([head, body]);
    });
  fc.assert(
    fc.property(
      fc.array(control, { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (frames, points) => {
        const wire = Buffer.concat(frames);
        const whole = feed([wire]);
        const split = feed(cut(wire, points));
        assert.deepEqual(split.events, whole.events);
        assert.equal(split.error, whole.error);
      },
    ),
    { numRuns: 500 },
  );
});

test('header blocks: round trip, and garbage decodes to an error, never a throw', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
  const value = fc.string({ maxLength: 30 }).filter((v) => !v.includes('\0'));
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(name, fc.array(value, { minLength: 1, maxLength: 3 })), {
        selector: ([n]) => n,
        maxLength: 8,
      }),
      (pairs) => {
        const decoded = decodeHeaderBlock(encodeHeaderBlock(pairs));
        assert.ok('headers' in decoded);
        assert.deepEqual([...decoded.headers], pairs);
      },
    ),
  );
  fc.assert(
    fc.property(bytes(200), (garbage) => {
      const decoded = decodeHeaderBlock(garbage);
      assert.ok('headers' in decoded || typeof decoded.error === 'string');
    }),
    { numRuns: 1000 },
  );
});
