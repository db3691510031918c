import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Channel,
  chooseProtocol,
  decodeChannel,
  decodeResize,
  encodeChannel,
  exitStatus,
} from './channels.js';

test('a message is the channel byte then the bytes, both ways', () => {
  const m = encodeChannel(Channel.stdout, Buffer.from('hi\n'));
  assert.deepEqual([...m], [1, 0x68, 0x69, 0x0a]);
  assert.deepEqual(decodeChannel(m), { channel: 1, data: Buffer.from('hi\n') });
  assert.deepEqual([...encodeChannel(Channel.error, '')], [3]);
  assert.deepEqual(decodeChannel(Buffer.from([0])), { channel: 0, data: Buffer.alloc(0) });
  // v5's close: [255, channel].
  assert.deepEqual(decodeChannel(Buffer.from([255, 0])), { channel: 255, data: Buffer.from([0]) });
  assert.equal(decodeChannel(Buffer.alloc(0)), undefined);
  // Every channel byte and binary data survive the round trip.
  const data = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  for (let c = 0; c < 256; c++)
    assert.deepEqual(decodeChannel(encodeChannel(c, data)), { channel: c, data });
});

test('resize: {"Width","Height"} whole numbers, anything else ignored', () => {
  assert.deepEqual(decodeResize(Buffer.from('{"Width":120,"Height":40}')), { cols: 120, rows: 40 });
  for (const bad of [
    '',
    '{',
    '{"Width":1}',
    '{"Width":-1,"Height":2}',
    '{"Width":1.5,"Height":2}',
    'null',
  ])
    assert.equal(decodeResize(Buffer.from(bad)), undefined, bad);
});

test('subprotocol: v5 preferred, then v4; SPDY and others not served', () => {
  assert.equal(chooseProtocol(['v4.channel.k8s.io', 'v5.channel.k8s.io']), 'v5.channel.k8s.io');
  assert.equal(chooseProtocol(['v4.channel.k8s.io']), 'v4.channel.k8s.io');
  assert.equal(chooseProtocol(['SPDY/3.1+portforward.k8s.io', 'channel.k8s.io']), undefined);
});

test("the error channel's Status: Success, or NonZeroExitCode with the code as a cause", () => {
  assert.deepEqual(exitStatus(0, ['true']), { metadata: {}, status: 'Success' });
  assert.deepEqual(exitStatus(3, ['sh', '-c', 'exit 3']), {
    metadata: {},
    status: 'Failure',
    message:
      'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
});
