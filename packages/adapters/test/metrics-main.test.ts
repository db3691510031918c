import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseConfig } from '@podkit/kit';
import { metricsConfigSpec } from '../src/metrics-config.js';
import { startRedis } from './servers.js';

const bin = fileURLToPath(new URL('../src/metrics-main.ts', import.meta.url));
const pkg = fileURLToPath(new URL('..', import.meta.url));
const nodeArgs = ['--conditions=podkit-source', '--import', 'tsx', bin];
const env = { PATH: process.env['PATH'] };

describe('podkit-metrics-adapter (bin)', () => {
  it('listens on loopback unless told otherwise', () => {
    const cfg = parseConfig(metricsConfigSpec, [], {});
    assert.deepEqual(cfg.httpBind, { host: '127.0.0.1', port: 9150 });
    assert.equal(parseConfig(metricsConfigSpec, ['--http-bind=:9121'], {}).httpBind.port, 9121);
  });

  it('refuses credentials in --target with exit 2, without echoing them', () => {
    for (const [source, target] of [
      ['nginx', 'http://bob:hunter2@127.0.0.1:8080/stub_status'],
      ['redis', 'redis://:hunter2@127.0.0.1:6379'],
      ['redis', 'hunter2@127.0.0.1:6379'],
    ] as const) {
      const r = spawnSync(process.execPath, [...nodeArgs, '--source', source, '--target', target], {
        cwd: pkg,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(r.status, 2, `${source} ${target}: ${r.stderr}`);
      assert.match(r.stderr, /credentials do not belong in a flag/);
      assert.match(r.stderr, /--password-file/);
      assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
    }
  });

  it('a Redis password from a file is never in the metrics or the logs, even at debug', async (t) => {
    const redis = await startRedis(['--requirepass', 's3cret-pw']);
    t.after(() => redis.stop());
    const good = join(redis.dir, 'password');
    await writeFile(good, 's3cret-pw\n');
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        '--source=redis',
        `--target=127.0.0.1:${redis.port}`,
        '--multi-target',
        `--password-file=${good}`,
        '--http-bind=127.0.0.1:0',
        '--log-level=debug',
      ],
      { cwd: pkg, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = once(child, 'exit');
    t.after(async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    });
    let logs = '';
    child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)","msg":"listening"/.exec(logs);
        if (m?.[1] !== undefined) resolve(m[1]);
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      void exited.then(() => {
        reject(new Error(`exited before listening: ${logs}`));
      });
    });
    const body = await (await fetch(`${url}/metrics`)).text();
    assert.match(body, /^redis_up 1$/m);
    // The same server through /scrape, and an unreachable one: up 0, still HTTP 200.
    const other = await fetch(`${url}/scrape?target=127.0.0.1:1`);
    assert.equal(other.status, 200);
    assert.match(await other.text(), /^redis_up 0$/m);
    const withCreds = await fetch(
      `${url}/scrape?target=${encodeURIComponent('x:s3cret-pw@127.0.0.1:1')}`,
    );
    assert.match(await withCreds.text(), /^redis_up 0$/m);
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    assert.match(logs, /"level":"(debug|warn)"/);
    // The password file's path may be logged, its content never.
    assert.doesNotMatch(body + logs, /s3cret-pw/);
  });
});
