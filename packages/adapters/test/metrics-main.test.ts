import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import { parseConfig } from '@podkit/kit';
import { freeHostPort } from '@podkit/runtime/testing';
import { metricsConfigSpec } from '../src/metrics-config.js';
import { binArgv } from '../../kit/test/bin-under-test.js';
import { startNginx, startRedis } from './servers.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const nodeArgs = binArgv('adapters', 'metrics-main', 'podkit-metrics-adapter');
const env = { PATH: process.env['PATH'] };

/**
 * Starts the bin with `args` (its own cleanup registered on `t`) and waits for its "listening"
 * log line: its URL, a view of its logs (stdout and stderr) and its exit code once SIGTERMed.
 */
async function startBin(
  t: TestContext,
  args: string[],
): Promise<{ url: string; logs: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: pkg,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  return {
    url,
    logs: () => logs,
    stop: async () => {
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

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
    const bin = await startBin(t, [
      '--source=redis',
      `--target=127.0.0.1:${redis.port}`,
      '--multi-target',
      `--password-file=${good}`,
      '--http-bind=127.0.0.1:0',
      '--log-level=debug',
    ]);
    const url = bin.url;
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
    assert.equal(await bin.stop(), 0);
    assert.match(bin.logs(), /"level":"(debug|warn)"/);
    // The password file's path may be logged, its content never.
    assert.doesNotMatch(body + bin.logs(), /s3cret-pw/);
  });

  it('nginx stub_status and StatsD on one /metrics, text or OpenMetrics as asked, /readyz, SIGTERM exits 0', async (t) => {
    const nginx = await startNginx();
    t.after(() => nginx.stop());
    const [http, statsd] = [await freeHostPort(), await freeHostPort()];
    const bin = await startBin(t, [
      '--source=nginx',
      `--target=http://127.0.0.1:${nginx.port}/stub_status`,
      `--statsd-udp=127.0.0.1:${statsd}`,
      `--http-bind=127.0.0.1:${http}`,
      '--log-level=info',
    ]);
    assert.match(bin.logs(), /"msg":"statsd listening"/);
    const url = bin.url;
    assert.equal(url, `http://127.0.0.1:${http}`);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);

    // A StatsD counter over UDP, until it shows (UDP may be read after the scrape).
    const udp = createSocket('udp4');
    t.after(() => {
      udp.close();
    });
    let text = '';
    for (let i = 0; i < 200 && !/^bundle_hits 3$/m.test(text); i++) {
      if (i === 0) udp.send('bundle.hits:3|c', statsd, '127.0.0.1');
      text = await (await fetch(`${url}/metrics`)).text();
      if (!/^bundle_hits 3$/m.test(text)) await new Promise((r) => setTimeout(r, 25));
    }
    assert.match(text, /^bundle_hits 3$/m, text);
    assert.match(text, /^nginx_up 1$/m);
    assert.match(text, /^nginx_connections_active \d+$/m);
    assert.doesNotMatch(text, /# EOF/);

    const om = await fetch(`${url}/metrics`, {
      headers: { accept: 'application/openmetrics-text;version=1.0.0' },
    });
    assert.match(
      om.headers.get('content-type') ?? '',
      /^application\/openmetrics-text; version=1\.0\.0/,
    );
    const omText = await om.text();
    assert.match(omText, /^# TYPE bundle_hits counter$/m);
    assert.match(omText, /^bundle_hits_total 3$/m);
    assert.match(omText, /# EOF\n$/);

    assert.equal(await bin.stop(), 0, bin.logs());
  });
});
