import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { tcpProbe } from './tcp-probe.js';

test('tcpSocket: success while a listener accepts, failure once it is closed', async () => {
  const s = createServer((c) => c.end());
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  try {
    assert.deepEqual(await tcpProbe('127.0.0.1', port, 1000), { ok: true, output: '' });
  } finally {
    await new Promise((r) => s.close(r));
  }
  const r = await tcpProbe('127.0.0.1', port, 1000);
  assert.equal(r.ok, false);
  assert.match(r.output, /ECONNREFUSED/);
});
