import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { writeOciLayout } from '@podkit/runtime/images';
// The runtime's registry test helpers (test code only; not part of its public face).
import { skopeoCopy, startRegistry } from '../../../runtime/src/testing/registry-server.js';
import { runCli } from '../run-cli.js';
import {
  BUSYBOX_PATH_ENV,
  capture,
  cliTestEnv,
  makeBusyboxRootfs,
} from '../testing/cli-test-env.js';

test('image pull: plain progress lines, a bar per layer on a terminal, clear auth and TLS errors; up shows admission pulls', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-cli-pull-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const rootfs = await makeBusyboxRootfs(path.join(dir, 'rootfs'));
  const layout = path.join(dir, 'oci');
  await writeOciLayout(layout, [
    {
      refName: 'v1',
      layers: [{ dir: rootfs }, { entries: [{ name: 'etc/marker', content: 'hi\n' }] }],
      config: { env: [BUSYBOX_PATH_ENV], cmd: ['cat', '/etc/marker'] },
    },
  ]);
  const reg = await startRegistry(t, { auth: { htpasswd: { username: 'u', password: 'pw' } } });
  await skopeoCopy(`oci:${layout}:v1`, `docker://${reg.host}/team/bb:v1`, { creds: 'u:pw' });
  const auth = path.join(dir, 'auth.json');
  await writeFile(
    auth,
    JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('u:pw').toString('base64') } } }),
  );
  const env = await cliTestEnv(t);
  const ref = `${reg.host}/team/bb:v1`;

  const pullArgs = (authFile: string) => [
    'image',
    'pull',
    ref,
    '--insecure-registry',
    reg.host,
    '--authfile',
    authFile,
  ];
  const plain = await env.run(pullArgs(auth));
  assert.equal(plain.code, 0, plain.err());
  assert.match(
    plain.out(),
    new RegExp(`^image/${ref.replace(/[.]/g, '\\.')} pulled \\(sha256:[0-9a-f]{64}\\)\\n$`),
  );
  const lines = plain.err().trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^Resolved .*team\/bb:v1 → sha256:[0-9a-f]{64}, 2 layers$/);
  assert.equal(lines.filter((l) => /^layer {2}[0-9a-f]{12}: downloading \d/.test(l)).length, 2);
  assert.equal(lines.filter((l) => /^layer {2}[0-9a-f]{12}: done$/.test(l)).length, 2);
  assert.match(lines.at(-1) ?? '', /^Unpacking 2 layers$/);
  assert.ok(!plain.err().includes('\u001b['), 'no escape sequences off a terminal');

  // A terminal on stderr: bars redrawn in place (cursor up + clear), into a fresh state root.
  const root2 = await mkdtemp(path.join(tmpdir(), 'podkit-cli-pull-root-'));
  t.after(() => rm(root2, { recursive: true, force: true }));
  const tty = capture();
  (tty.io.stderr as { isTTY?: boolean }).isTTY = true;
  const code = await runCli(['--root', root2, ...pullArgs(auth)], tty.io);
  assert.equal(code, 0, tty.err());
  assert.match(tty.err(), /layer {2}[0-9a-f]{12} \[=+\] done /);
  // Cursor up N lines, clear to the end of the screen.
  assert.match(tty.err().replaceAll('\u001b', 'ESC'), /ESC\[\d+AESC\[J/);

  await writeFile(
    path.join(dir, 'bad.json'),
    JSON.stringify({ auths: { [reg.host]: { username: 'u', password: 'nope' } } }),
  );
  const denied = await env.run(pullArgs(path.join(dir, 'bad.json')));
  assert.equal(denied.code, 1);
  assert.match(denied.err(), /authentication failed pulling .*team\/bb .*HTTP 401/);
  assert.match(denied.err(), /credentials for 127\.0\.0\.1:\d+ were refused/);
  assert.doesNotMatch(denied.err(), /nope|\n\s+at /, 'no password, no stack trace');

  // Without --insecure-registry podkit speaks HTTPS, which this registry does not.
  const tls = await env.run(['image', 'pull', ref, '--authfile', auth]);
  assert.equal(tls.code, 1);
  // It says so, and how to allow plain HTTP: the flag, or registries.json for pods.
  assert.match(tls.err(), /127\.0\.0\.1:\d+ answers plain HTTP, not HTTPS/);
  assert.ok(
    tls
      .err()
      .includes(
        `--insecure-registry ${reg.host} …\`, or for pods (\`podkit up\`) add it to ${path.join(env.root, 'registries.json')}: {"insecureRegistries": ["${reg.host}"]}`,
      ),
    tls.err(),
  );

  // `up` pulls at admission (Always) with the state root's registries.json, showing progress.
  await writeFile(
    path.join(env.root, 'registries.json'),
    JSON.stringify({ insecureRegistries: [reg.host], authFile: auth }),
  );
  const manifest = await env.manifest(
    'pull.yaml',
    `apiVersion: v1
kind: Pod
metadata: { name: pulled }
spec:
  containers:
    - { name: app, image: "${ref}", imagePullPolicy: Always, command: [sleep, "100"] }
`,
  );
  const up = await env.run(['up', '-d', '-f', manifest]);
  assert.equal(up.code, 0, up.err());
  assert.match(up.err(), /^Resolved .*team\/bb:v1 → sha256:[0-9a-f]{64}, 2 layers$/m);
  assert.match(up.err(), /^layer {2}[0-9a-f]{12}: already present$/m);
});
