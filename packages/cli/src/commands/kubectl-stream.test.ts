import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freeHostPort } from '@podkit/runtime/testing';
import { cliTestEnv } from '../testing/cli-test-env.js';
import { kubectlWith } from '../testing/kubectl.js';
import { until } from '../testing/until.js';

// kubectl's streaming verbs against the agent's Kubernetes API: logs (pods/log) and exec
// (pods/exec over WebSocket, v5.channel.k8s.io), with the real kubectl on PATH.

// Two containers: `main` prints three lines and sleeps; `side` fails its first attempt (it
// prints "first") and prints "second" in the next, so that it has a previous attempt.
const POD = `apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{ name: d, emptyDir: {} }]
  containers:
    - name: main
      image: busybox:test
      command: [sh, -c, 'echo one; echo two; echo three; exec sleep 1000']
    - name: side
      image: busybox:test
      volumeMounts: [{ name: d, mountPath: /d }]
      command:
        - sh
        - -c
        - 'if [ -f /d/ran ]; then sleep 1; echo second; exec sleep 1000; fi; touch /d/ran; echo first; exit 1'
`;

function get(server: string, ca: string, token: string, pathname: string) {
  return new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
    request(
      new URL(pathname, server),
      { ca, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            body,
            type: String(res.headers['content-type']),
          });
        });
      },
    )
      .on('error', reject)
      .end();
  });
}

test('kubectl logs and exec against podkit', async (t) => {
  const env = await cliTestEnv(t);
  const port = await freeHostPort();
  await writeFile(path.join(env.root, 'agent.json'), JSON.stringify({ apiPort: port }));
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-kubectl-stream-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const kc = await env.run(['kubeconfig']);
  assert.equal(kc.code, 0, kc.err());
  const kubeconfig = path.join(dir, 'config');
  await writeFile(kubeconfig, kc.out(), { mode: 0o600 });
  const kubectl = kubectlWith(kubeconfig, path.join(dir, 'cache'));
  const server = `https://127.0.0.1:${String(port)}`;
  const ca = await readFile(path.join(env.root, 'kube-api', 'ca.crt'), 'utf8');
  const token = (await readFile(path.join(env.root, 'kube-api', 'token'), 'utf8')).trim();

  const applied = await kubectl(['apply', '-f', await env.manifest('app.yaml', POD)]);
  assert.equal(applied.code, 0, applied.stderr);
  // side's second attempt runs (after its back-off): its first is the previous one.
  const previous = await until(
    async () => {
      const r = await kubectl(['logs', 'app', '-c', 'side', '--previous']);
      return r.code === 0 ? r.stdout : undefined;
    },
    'side to have a previous attempt',
    { timeoutMs: 60_000, stepMs: 500 },
  );
  assert.equal(previous, 'first\n');
  await until(
    async () => {
      const r = await kubectl(['logs', 'app', '-c', 'side']);
      return r.stdout.includes('second') ? true : undefined;
    },
    "side's second attempt printing",
    { timeoutMs: 30_000, stepMs: 200 },
  );

  await t.test(
    'logs: container, tail, timestamps, since, limit-bytes, all-containers',
    async () => {
      const main = await kubectl(['logs', 'app', '-c', 'main']);
      assert.deepEqual(main, { code: 0, stdout: 'one\ntwo\nthree\n', stderr: '' });
      // No -c: kubectl picks the first container and says so.
      const defaulted = await kubectl(['logs', 'app']);
      assert.equal(defaulted.stdout, 'one\ntwo\nthree\n');
      assert.match(defaulted.stderr, /Defaulted container "main" out of: main, side/);
      assert.equal((await kubectl(['logs', 'app', '-c', 'main', '--tail=1'])).stdout, 'three\n');
      assert.match(
        (await kubectl(['logs', 'app', '-c', 'main', '--tail=2', '--timestamps'])).stdout,
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z two\n\S+Z three\n$/,
      );
      assert.equal(
        (await kubectl(['logs', 'app', '-c', 'main', '--since=1h'])).stdout,
        'one\ntwo\nthree\n',
      );
      assert.equal(
        (await kubectl(['logs', 'app', '-c', 'main', '--limit-bytes=6'])).stdout,
        'one\ntw',
      );
      const all = await kubectl(['logs', 'app', '--all-containers', '--prefix']);
      assert.equal(all.code, 0, all.stderr);
      // kubectl reads the containers in parallel: their order varies, each one's lines do not.
      const lines = all.stdout.trimEnd().split('\n');
      assert.deepEqual(
        lines.filter((l) => l.startsWith('[pod/app/main] ')),
        ['[pod/app/main] one', '[pod/app/main] two', '[pod/app/main] three'],
      );
      // Every attempt, as podkit logs prints it (docs/kubectl.md, limits).
      assert.deepEqual(
        lines.filter((l) => l.startsWith('[pod/app/side] ')),
        ['[pod/app/side] first', '[pod/app/side] second'],
      );
      assert.equal(lines.length, 5, all.stdout);
      const allPrevious = await kubectl(['logs', 'app', '--all-containers', '--previous']);
      // main has no previous attempt: kubectl stops at its error.
      assert.notEqual(allPrevious.code, 0);
      assert.match(
        allPrevious.stderr,
        /previous terminated container "main" in pod "app" not found/,
      );
    },
  );

  await t.test('logs: errors as the API server words them', async () => {
    const several = await get(server, ca, token, '/api/v1/namespaces/default/pods/app/log');
    assert.equal(several.status, 400);
    assert.equal(
      (JSON.parse(several.body) as { message: string }).message,
      'a container name must be specified for pod app, choose one of: [main side]',
    );
    const plain = await get(
      server,
      ca,
      token,
      '/api/v1/namespaces/default/pods/app/log?container=main&tailLines=1',
    );
    assert.deepEqual([plain.status, plain.type, plain.body], [200, 'text/plain', 'three\n']);
    const nope = await kubectl(['logs', 'app', '-c', 'nope']);
    assert.notEqual(nope.code, 0);
    assert.match(nope.stderr, /container nope is not valid for pod app/);
    const missing = await kubectl(['logs', 'nothing']);
    assert.match(
      missing.stderr,
      /error from server \(NotFound\): pods "nothing" not found in namespace "default"/,
    );
  });

  await t.test('logs -f: a line written later arrives; kubectl stopped by its PID', async (tt) => {
    const follow = kubectl.follow(['logs', '-f', 'app', '-c', 'main'], tt);
    await until(
      () => Promise.resolve(follow.out().includes('three\n') ? true : undefined),
      'the log so far',
      {
        timeoutMs: 30_000,
      },
    );
    const wrote = await kubectl([
      'exec',
      'app',
      '-c',
      'main',
      '--',
      'sh',
      '-c',
      'echo four > /proc/1/fd/1',
    ]);
    assert.equal(wrote.code, 0, wrote.stderr);
    await until(
      () => Promise.resolve(follow.out() === 'one\ntwo\nthree\nfour\n' ? true : undefined),
      'four followed',
      {
        timeoutMs: 30_000,
      },
    );
  });

  await t.test('exec: stdout and stderr apart, the exit code; stdin with -i', async () => {
    const r = await kubectl([
      'exec',
      'app',
      '-c',
      'main',
      '--',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    ]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /^err\n/);
    const ok = await kubectl(['exec', 'app', '-c', 'main', '--', 'true']);
    assert.deepEqual(ok, { code: 0, stdout: '', stderr: '' });
    const cat = await kubectl(['exec', '-i', 'app', '-c', 'main', '--', 'cat'], {
      input: 'hello\nworld\n',
    });
    assert.deepEqual(cat, { code: 0, stdout: 'hello\nworld\n', stderr: '' });
    const wc = await kubectl(['exec', '-i', 'app', '-c', 'main', '--', 'wc', '-c'], {
      input: 'x'.repeat(200_000),
    });
    assert.equal(wc.stdout.trim(), '200000', wc.stderr);
    const notThere = await kubectl(['exec', 'app', '-c', 'nope', '--', 'true']);
    assert.notEqual(notThere.code, 0);
  });

  await t.test(
    'exec over SPDY (the fallback of older clients) is refused with a Status',
    async () => {
      // What kubectl's SPDY fallback sends: an upgrade to SPDY/3.1, answered with a 400 Status.
      const spdy = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          new URL(
            '/api/v1/namespaces/default/pods/app/exec?command=true&container=main&stdout=true',
            server,
          ),
          {
            ca,
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              connection: 'Upgrade',
              upgrade: 'SPDY/3.1',
              'x-stream-protocol-version': 'v4.channel.k8s.io',
            },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => {
              resolve({ status: res.statusCode ?? 0, body });
            });
          },
        );
        req.on('upgrade', () => {
          reject(new Error('upgraded to SPDY'));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(spdy.status, 400);
      assert.match(
        (JSON.parse(spdy.body) as { message: string }).message,
        /^podkit serves exec over WebSocket only .* SPDY is not supported/,
      );
    },
  );

  await t.test('exec -it: a shell in a pseudo-terminal (kubectl run under script(1))', async () => {
    const args = ['--cache-dir', kubectl.cacheDir, 'exec', '-it', 'app', '-c', 'main', '--', 'sh'];
    const child = spawn('script', ['-qefc', ['kubectl', ...args].join(' '), '/dev/null'], {
      env: { ...kubectl.env, TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    child.stdin.write('tty; echo "answer=$((6*7))"\n');
    await until(
      () => Promise.resolve(out.includes('answer=42') ? true : undefined),
      'the shell answering',
      {
        timeoutMs: 30_000,
      },
    );
    child.stdin.write('exit 4\n');
    assert.equal(await exited, 4);
    assert.match(out, /\/dev\/pts\/\d+/);
  });
});
