import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProtobuf } from './protobuf.js';
import { KubeApiError } from './status.js';

// A minimal protobuf writer for the test: varint keys, length-delimited fields.
function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}
const bytes = (no: number, b: Buffer | string): Buffer => {
  const data = typeof b === 'string' ? Buffer.from(b) : b;
  return Buffer.concat([varint((no << 3) | 2), varint(data.length), data]);
};
const bool = (no: number, v: boolean): Buffer =>
  Buffer.concat([varint(no << 3), varint(v ? 1 : 0)]);
const entry = (no: number, k: string, v: Buffer | string): Buffer =>
  bytes(no, Buffer.concat([bytes(1, k), bytes(2, v)]));
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from('k8s\0', 'binary'),
    bytes(1, Buffer.concat([bytes(1, apiVersion), bytes(2, kind)])),
    bytes(2, raw),
    bytes(4, 'application/vnd.kubernetes.protobuf'),
  ]);

test('a Secret, a ConfigMap and a Namespace as kubectl create sends them', () => {
  const meta = Buffer.concat([bytes(1, 's'), bytes(3, 'team-a'), entry(11, 'app', 'web')]);
  assert.deepEqual(
    decodeProtobuf(
      envelope(
        'v1',
        'Secret',
        Buffer.concat([
          bytes(1, meta),
          entry(2, 'password', Buffer.from([0, 255])),
          bytes(3, 'Opaque'),
          bool(5, true),
        ]),
      ),
    ),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'team-a', labels: { app: 'web' } },
      data: { password: Buffer.from([0, 255]).toString('base64') },
      type: 'Opaque',
      immutable: true,
    },
  );
  assert.deepEqual(
    decodeProtobuf(
      envelope('v1', 'ConfigMap', Buffer.concat([bytes(1, bytes(1, 'c')), entry(2, 'a', 'b')])),
    ),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } },
  );
  assert.deepEqual(decodeProtobuf(envelope('v1', 'Namespace', bytes(1, bytes(1, 'ns')))), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'ns' },
  });
});

test('another kind is 415 saying what to do; garbage is 400, never another error', () => {
  assert.throws(
    () => decodeProtobuf(envelope('apps/v1', 'Deployment', bytes(1, bytes(1, 'd')))),
    (e: unknown) =>
      e instanceof KubeApiError &&
      e.status.code === 415 &&
      /--dry-run=client -o yaml/.test(e.status.message ?? ''),
  );
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const good = envelope(
    'v1',
    'ConfigMap',
    Buffer.concat([bytes(1, bytes(1, 'c')), entry(2, 'a', 'b')]),
  );
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.from(good);
    for (let j = 0; j < 1 + Math.floor(rand() * 4); j++)
      b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    const cut = b.subarray(0, Math.floor(rand() * (b.length + 1)));
    try {
      decodeProtobuf(cut);
    } catch (e) {
      assert.ok(e instanceof KubeApiError, String(e));
      assert.ok([400, 415].includes(e.status.code), String(e.status.code));
    }
  }
});
