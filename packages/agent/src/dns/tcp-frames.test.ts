import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { FrameReader, encodeFrame } from './tcp-frames.js';

const messages = [
  Buffer.from('hello'),
  Buffer.alloc(0),
  randomBytes(300),
  randomBytes(0xffff),
  Buffer.from([0, 1, 2]),
];
const stream = Buffer.concat(messages.map(encodeFrame));

test('encodeFrame prefixes the 2-byte big-endian length', () => {
  assert.deepEqual(encodeFrame(Buffer.from('abc')), Buffer.from([0, 3, 0x61, 0x62, 0x63]));
  assert.equal(encodeFrame(randomBytes(0xffff)).readUInt16BE(0), 0xffff);
});

test('FrameReader: the whole stream at once', () => {
  const reader = new FrameReader();
  assert.deepEqual(reader.push(stream), messages);
  assert.equal(reader.buffered, 0);
});

test('FrameReader: byte by byte', () => {
  const reader = new FrameReader();
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) out.push(...reader.push(stream.subarray(i, i + 1)));
  assert.deepEqual(out, messages);
  assert.equal(reader.buffered, 0);
});

test('FrameReader: split at random points, 50 times', () => {
  for (let round = 0; round < 50; round++) {
    const reader = new FrameReader();
    const out: Buffer[] = [];
    let at = 0;
    while (at < stream.length) {
      const next = Math.min(stream.length, at + randomInt(1, 2000));
      out.push(...reader.push(stream.subarray(at, next)));
      at = next;
    }
    assert.deepEqual(out, messages);
  }
});

test('FrameReader: an unfinished frame is held, not returned', () => {
  const reader = new FrameReader();
  assert.deepEqual(reader.push(Buffer.from([0, 5, 1, 2])), []);
  assert.equal(reader.buffered, 4);
  assert.deepEqual(reader.push(Buffer.from([3, 4, 5, 0])), [Buffer.from([1, 2, 3, 4, 5])]);
  assert.equal(reader.buffered, 1);
});
