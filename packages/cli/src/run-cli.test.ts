import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CliIo } from './io.js';
import type { ValidationReport } from './render.js';
import { runCli } from './run-cli.js';

const ESC = '\u001b[';
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');

const VALID_POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  nodeSelector:
    disk: ssd
  containers:
    - name: web
      image: nginx:1.22
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: conf
data:
  a: b
`;

const INVALID_POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
      imagePullPolice: Always
      ports:
        - containerPort: 70000
`;

interface Captured {
  io: CliIo;
  out: () => string;
  err: () => string;
}

function capture(options: { isTTY?: boolean; env?: Record<string, string> } = {}): Captured {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      isTTY: options.isTTY ?? false,
      env: options.env ?? {},
    },
    out: () => out,
    err: () => err,
  };
}

describe('podkit validate', () => {
  let dir = '';
  let valid = '';
  let invalid = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'podkit-cli-'));
    valid = join(dir, 'valid.yaml');
    invalid = join(dir, 'invalid.yaml');
    await writeFile(valid, VALID_POD);
    await writeFile(invalid, INVALID_POD);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 for a valid file and prints warnings then a summary', async () => {
    const c = capture();
    assert.equal(await runCli(['validate', valid], c.io), 0);
    assert.equal(
      c.out(),
      `${valid}:6:3 warning: spec.nodeSelector: ignored on one machine\n` +
        `${valid}: valid (1 pod, 1 configmap; 1 warning)\n`,
    );
    assert.equal(c.err(), '');
  });

  it('exits 1 for an invalid file and prints every problem', async () => {
    const c = capture();
    assert.equal(await runCli(['validate', valid, invalid], c.io), 1);
    const lines = c.out().trimEnd().split('\n');
    assert.deepEqual(lines.slice(2), [
      `${invalid}:9:7 spec.containers[0].imagePullPolice: unknown field; did you mean "imagePullPolicy"?`,
      `${invalid}:11:26 spec.containers[0].ports[0].containerPort: must be 1-65535, got 70000`,
      `${invalid}: invalid (2 errors)`,
    ]);
  });

  it('a directory is its manifest files sorted by name; an object two files define is an error at the second', async () => {
    const app = join(dir, 'app');
    await mkdir(app);
    await writeFile(join(app, 'b.yml'), VALID_POD.split('---')[0] ?? '');
    await writeFile(
      join(app, 'a.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } }),
    );
    await writeFile(join(app, 'notes.txt'), 'not a manifest');
    const c = capture();
    assert.equal(await runCli(['validate', valid, app], c.io), 1);
    assert.deepEqual(c.out().trimEnd().split('\n').slice(2), [
      `${join(app, 'a.json')}: valid (1 configmap)`,
      `${join(app, 'b.yml')}:1:1 metadata.name: duplicate pod name "web" in namespace "default": ${valid}:1:1 defines it too`,
      `${join(app, 'b.yml')}:6:3 warning: spec.nodeSelector: ignored on one machine`,
      `${join(app, 'b.yml')}: invalid (1 error, 1 warning)`,
    ]);
  });

  it('exits 2 for a missing file, with a clear message and no stack', async () => {
    const c = capture();
    const missing = join(dir, 'missing.yaml');
    assert.equal(await runCli(['validate', valid, missing], c.io), 2);
    assert.equal(c.out(), '');
    assert.match(c.err(), new RegExp(`^podkit: cannot read ${missing}: no such file\\n`));
    assert.doesNotMatch(c.err(), /\n\s+at /);
  });

  it('exits 2 for usage errors: no file, unknown option, bad --output', async () => {
    for (const argv of [
      ['validate'],
      ['validate', '--bogus', valid],
      ['validate', '-o', 'xml', valid],
      ['frobnicate'],
    ]) {
      const c = capture();
      assert.equal(await runCli(argv, c.io), 2, argv.join(' '));
      assert.match(c.err(), /^error: /, argv.join(' '));
      assert.equal(c.out(), '');
    }
  });

  it('prints help with exit 0', async () => {
    const c = capture();
    assert.equal(await runCli(['validate', '--help'], c.io), 0);
    assert.match(c.out(), /Usage: podkit validate \[options\] <files\.\.\.>/);
  });

  it('--output json gives files with valid, pods and diagnostics', async () => {
    const c = capture();
    assert.equal(await runCli(['validate', '--output', 'json', valid, invalid], c.io), 1);
    const report = JSON.parse(c.out()) as ValidationReport;
    assert.equal(report.files.length, 2);
    const [ok, bad] = report.files;
    assert.deepEqual(
      { file: ok!.file, valid: ok!.valid, pods: ok!.pods, configMaps: ok!.configMaps },
      { file: valid, valid: true, pods: ['web'], configMaps: ['conf'] },
    );
    assert.deepEqual(ok!.diagnostics, [
      {
        severity: 'warning',
        code: 'ignored',
        file: valid,
        line: 6,
        column: 3,
        path: 'spec.nodeSelector',
        message: 'ignored on one machine',
      },
    ]);
    assert.equal(bad!.valid, false);
    assert.deepEqual(bad!.pods, []);
    assert.deepEqual(
      bad!.diagnostics.map((d) => [d.severity, d.code, d.line, d.column, d.path]),
      [
        ['error', 'unknown-field', 9, 7, 'spec.containers[0].imagePullPolice'],
        ['error', 'out-of-range', 11, 26, 'spec.containers[0].ports[0].containerPort'],
      ],
    );
  });

  it('colours output on a terminal, never with NO_COLOR or when piped', async () => {
    const tty = capture({ isTTY: true });
    await runCli(['validate', invalid], tty.io);
    assert.ok(tty.out().includes(ESC), 'expected ANSI colours');
    const noColor = capture({ isTTY: true, env: { NO_COLOR: '1' } });
    await runCli(['validate', invalid], noColor.io);
    assert.ok(!noColor.out().includes(ESC));
    const piped = capture();
    await runCli(['validate', invalid], piped.io);
    assert.ok(!piped.out().includes(ESC));
  });

  it('validates the push-to-deploy example', async () => {
    const c = capture();
    const example = join(repo, 'examples', 'push-to-deploy', 'app.yaml');
    assert.equal(await runCli(['validate', example], c.io), 0, c.out());
    assert.equal(c.out(), `${example}: valid (1 deployment, 1 configmap, 1 secret, 1 service)\n`);
  });

  it('runs as a bin: exit codes reach the process', () => {
    const main = join(here, 'main.ts');
    const run = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['--conditions=podkit-source', '--import', 'tsx', main, ...args],
        {
          cwd: repo,
          encoding: 'utf8',
        },
      );
    const ok = run(['validate', valid]);
    assert.equal(ok.status, 0, ok.stderr);
    const bad = run(['validate', invalid]);
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stdout, /must be 1-65535, got 70000/);
    const usage = run(['validate']);
    assert.equal(usage.status, 2);
  });

  it('as a bin writing to a pipe, never colours — even with $CI set (picocolors detects it)', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    const r = spawnSync(
      process.execPath,
      ['--conditions=podkit-source', '--import', 'tsx', join(here, 'main.ts'), 'validate', valid],
      { cwd: repo, encoding: 'utf8', env },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /valid/);
    assert.ok(!r.stdout.includes(ESC) && !r.stderr.includes(ESC), JSON.stringify(r.stdout));
  });
});

describe('unknown commands', () => {
  it("exit 2 with a suggestion: by spelling (upp → up), or podkit's command for another tool's word", async () => {
    for (const [argv, suggestion] of [
      [['upp', '-f', 'pod.yaml'], '(Did you mean up?)'],
      [['pull', 'nginx'], "(podkit's command for it: podkit image pull REF)"],
      [['rm', 'web'], "(podkit's command for it: podkit down NAME)"],
      [['run', 'busybox'], "(podkit's command for it: podkit up -f FILE)"],
      [['images'], "(podkit's command for it: podkit image ls)"],
      [['imge', 'ls'], '(Did you mean image?)'],
    ] as const) {
      const c = capture();
      assert.equal(await runCli([...argv], c.io), 2, argv.join(' '));
      assert.equal(c.out(), '');
      const lines = c.err().split('\n');
      assert.equal(lines[0], `error: unknown command '${argv[0]}'`, c.err());
      assert.equal(lines[1], suggestion, c.err());
    }
  });
});
