import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startHealthServer } from '@podkit/kit';
import { verifyWebhook, webhookRoute } from './webhook.js';

const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'abc' }));
const sign = (secret: string, b: Buffer): string =>
  `sha256=${createHmac('sha256', secret).update(b).digest('hex')}`;

test('GitHub HMAC, GitLab token and bearer token are checked; anything else is 401', () => {
  const opts = { githubSecret: 'gh-s3cret', gitlabToken: 'gl-tok', bearerToken: 'b-tok' };
  assert.equal(
    verifyWebhook({ 'x-hub-signature-256': sign('gh-s3cret', body) }, body, opts).accepted,
    true,
  );
  assert.equal(
    verifyWebhook({ 'x-hub-signature-256': sign('wrong', body) }, body, opts).accepted,
    false,
  );
  const tampered = Buffer.from(body.toString().replace('abc', 'abd'));
  assert.equal(
    verifyWebhook({ 'x-hub-signature-256': sign('gh-s3cret', body) }, tampered, opts).accepted,
    false,
  );
  assert.equal(verifyWebhook({ 'x-gitlab-token': 'gl-tok' }, body, opts).accepted, true);
  assert.equal(verifyWebhook({ 'x-gitlab-token': 'gl-to' }, body, opts).accepted, false);
  assert.equal(verifyWebhook({ authorization: 'Bearer b-tok' }, body, opts).accepted, true);
  assert.equal(verifyWebhook({}, body, opts).accepted, false);
  // With no secret configured nothing is accepted, whatever the request carries.
  assert.equal(verifyWebhook({ 'x-hub-signature-256': sign('', body) }, body, {}).accepted, false);
});

test('the ref filter and GitHub pings acknowledge without triggering', () => {
  const opts = { bearerToken: 'tok', refs: ['refs/heads/main'] };
  const h = { authorization: 'Bearer tok' };
  assert.deepEqual(verifyWebhook(h, body, opts), {
    accepted: true,
    trigger: true,
    reason: 'accepted (bearer)',
  });
  const other = Buffer.from(JSON.stringify({ ref: 'refs/heads/dev' }));
  const v = verifyWebhook(h, other, opts);
  assert.ok(v.accepted && !v.trigger);
  const ping = verifyWebhook({ ...h, 'x-github-event': 'ping' }, body, opts);
  assert.ok(ping.accepted && !ping.trigger);
  const notJson = verifyWebhook(h, Buffer.from('hello'), opts);
  assert.ok(notJson.accepted && notJson.trigger);
});

test('POST /webhook over HTTP: 202 + trigger when signed, 401 and no trigger when not, 413 when huge', async (t) => {
  let triggers = 0;
  const server = await startHealthServer({
    port: 0,
    routes: {
      'POST /webhook': webhookRoute({
        githubSecret: 'gh-s3cret',
        maxBodyBytes: 1024,
        trigger: () => {
          triggers++;
        },
      }),
    },
  });
  t.after(() => server.close());
  const post = (headers: Record<string, string>, b: Buffer): Promise<Response> =>
    fetch(`${server.url}/webhook`, { method: 'POST', headers, body: b });

  const ok = await post({ 'x-hub-signature-256': sign('gh-s3cret', body) }, body);
  assert.equal(ok.status, 202);
  assert.deepEqual(await ok.json(), { triggered: true, reason: 'accepted (github)' });
  assert.equal(triggers, 1);

  const bad = await post({ 'x-hub-signature-256': sign('nope', body) }, body);
  assert.equal(bad.status, 401);
  await bad.text();
  assert.equal(triggers, 1);

  const big = Buffer.alloc(4096, 'x');
  const huge = await post({ 'x-hub-signature-256': sign('gh-s3cret', big) }, big);
  assert.equal(huge.status, 413);
  await huge.text();
  assert.equal(triggers, 1);
});
