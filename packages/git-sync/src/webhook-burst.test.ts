import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { makeRemote, tempRoot } from '../test/helpers/git-remote.js';
import { collectStdout, startGitSync } from '../test/helpers/git-sync-bin.js';
import { until as poll } from '../test/helpers/until.js';

const SECRET = 'gh-webhook-secret-5f3a';

interface Status {
  sha: string | null;
  attempts: number;
  nextAttempt: string | null;
}

const until = <T>(get: () => Promise<T | undefined>, what: string): Promise<T> =>
  poll(get, what, { timeoutMs: 60_000, stepMs: 25 });

test('GitHub-signed webhook with a 1 h period: a push moves the link, a bad signature is 401 with no fetch, 50 events in a burst → at most 2 fetches ending on the newest SHA', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  const v1 = await remote.commit({ 'index.html': 'v1\n' });
  const child = startGitSync(
    [
      `--repo=${remote.url}`,
      `--root=${root}`,
      '--link=current',
      '--ref=main',
      '--period=1h', // only the webhook can make it sync again within this test
      '--http-bind=127.0.0.1:0',
    ],
    { GITSYNC_INBOUND_GITHUB_SECRET: SECRET },
  );
  t.after(async () => {
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.kill('SIGKILL');
    await closed;
    await remote.cleanup();
    await cleanup();
  });
  const stdout = collectStdout(child);
  const url = await until(() => Promise.resolve(stdout.listeningUrl()), 'the http server');
  const status = async (): Promise<Status> =>
    (await fetch(`${url}/status`)).json() as Promise<Status>;
  const fetches = async (): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('git_fetch_count_total '));
    return Number(line?.split(' ')[1] ?? 'NaN');
  };
  /** Settled: the loop sleeps (nothing pending) on `sha`. */
  const idleOn = (sha: string): Promise<Status> =>
    until(async () => {
      const s = await status();
      return s.sha === sha && s.nextAttempt !== null ? s : undefined;
    }, `idle on ${sha}`);
  const push = (sha: string, signature?: string): Promise<Response> => {
    const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
    const sig = createHmac('sha256', SECRET).update(body).digest('hex');
    return fetch(`${url}/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': signature ?? `sha256=${sig}`,
      },
      body,
    });
  };

  const start = await idleOn(v1);
  const fetches0 = await fetches();

  // A bad signature: 401, and nothing is attempted (so nothing fetched).
  const v2 = await remote.commit({ 'index.html': 'v2\n' });
  const bad = await push(v2, `sha256=${'0'.repeat(64)}`);
  assert.equal(bad.status, 401);
  assert.equal((await status()).attempts, start.attempts, 'a 401 triggers no sync');

  // A signed push event: one sync, one fetch, the link moves.
  assert.equal((await push(v2)).status, 202);
  const afterOne = await idleOn(v2);
  assert.equal(afterOne.attempts, start.attempts + 1);
  assert.equal((await fetches()) - fetches0, 1, 'exactly one fetch for the signed event');

  // A burst of 50 events around two pushes: at most 2 fetches, ending on the newest.
  const fetches1 = await fetches();
  await remote.commit({ 'index.html': 'v3\n' });
  const first = Array.from({ length: 25 }, () => push(v2));
  const v4 = await remote.commit({ 'index.html': 'v4\n' });
  const second = Array.from({ length: 25 }, () => push(v4));
  const answers = await Promise.all([...first, ...second]);
  assert.deepEqual(new Set(answers.map((r) => r.status)), new Set([202]));
  await idleOn(v4);
  const burstFetches = (await fetches()) - fetches1;
  assert.ok(burstFetches >= 1 && burstFetches <= 2, `${burstFetches} fetches for 50 events`);
  t.diagnostic(`50 events → ${burstFetches} fetch(es)`);
});
