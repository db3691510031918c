import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPodkitError } from '@podkit/kit';
import { outboundWebhook } from './outbound-webhook.js';

test('--webhook-success-status: the expected status, or any with 0 (git-sync) or -1', async (t) => {
  const hashes: string[] = [];
  const server = createServer((req, res) => {
    hashes.push(String(req.headers['gitsync-hash']));
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const signal = AbortSignal.timeout(10_000);
  const sha = 'a'.repeat(40);

  await outboundWebhook({ url, successStatus: 0 })(sha, signal);
  await outboundWebhook({ url, successStatus: -1 })(sha, signal);
  await outboundWebhook({ url, successStatus: 204 })(sha, signal);
  await assert.rejects(outboundWebhook({ url })(sha, signal), (err) => {
    assert.ok(isPodkitError(err, 'GIT_SYNC_NOTIFY_FAILED'));
    assert.match((err as Error).message, /answered 204 .*expected 200/);
    return true;
  });
  assert.deepEqual(hashes, [sha, sha, sha, sha]);
});
