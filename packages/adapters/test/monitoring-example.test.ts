import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freeHostPorts } from '@podkit/runtime/testing';
import { eventually, prometheusApi, startPrometheus } from './servers.js';

/*
 * examples/monitoring-adapter as a user runs it: both pods brought up by `podkit up` (real
 * runc containers from host images: redis-server, nginx and the two adapter bins), then
 * Debian's Prometheus — started with the example's own prometheus.yml — scrapes the three
 * adapter endpoints through their host ports, and its query API answers with values that
 * came from inside the pods. Only the host ports (free ones, not 29221/29213/29214/29280) and the
 * scrape interval differ from the example's files.
 */

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const EXAMPLE = join(REPO, 'examples/monitoring-adapter');
const CLI = join(REPO, 'packages/cli/src/main.ts');
const METRICS_BIN = join(REPO, 'packages/adapters/dist/metrics-main.js');
const LOG_BIN = join(REPO, 'packages/adapters/dist/log-main.js');

type Vector = { metric: Record<string, string>; value: [number, string] }[];

/** How long the pods and Prometheus may take (a bound against hanging, not a timing check). */
const WITHIN = 90_000;

function replaceOnce(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the example no longer contains ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

describe('examples/monitoring-adapter under podkit', () => {
  it('both pods run with their adapters; a real Prometheus scrapes them and answers queries', async (t) => {
    for (const bin of [METRICS_BIN, LOG_BIN]) {
      await access(bin).catch(() => {
        assert.fail(`${bin} is missing: run npm run build (scripts/setup.sh does)`);
      });
    }
    const root = await mkdtemp(join(tmpdir(), 'podkit-adapters-example-'));
    // Its own pod network (bridge + random /24), as the CLI tests do.
    const hex = randomBytes(3).toString('hex');
    const bridge = `pka${hex}`;
    await writeFile(
      join(root, 'network.json'),
      JSON.stringify({ name: `pka-${hex}`, bridge, subnet: `10.89.${randomInt(180, 215)}.0/24` }),
    );
    const podkit = (...args: string[]): Promise<{ stdout: string; stderr: string }> =>
      run(
        process.execPath,
        ['--conditions=podkit-source', '--import', 'tsx', CLI, '--root', root, ...args],
        { cwd: REPO, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      );

    // Host ports below the ephemeral range, where other tests' connections cannot take them.
    const [redisMetrics = 0, nginxHttp = 0, nginxMetrics = 0, logMetrics = 0] =
      await freeHostPorts(4);
    let redisPod = await readFile(join(EXAMPLE, 'redis-pod.yaml'), 'utf8');
    redisPod = replaceOnce(redisPod, 'hostPort: 29221', `hostPort: ${redisMetrics}`);
    let nginxPod = await readFile(join(EXAMPLE, 'nginx-pod.yaml'), 'utf8');
    nginxPod = replaceOnce(nginxPod, 'hostPort: 29280', `hostPort: ${nginxHttp}`);
    nginxPod = replaceOnce(nginxPod, 'hostPort: 29213', `hostPort: ${nginxMetrics}`);
    nginxPod = replaceOnce(nginxPod, 'hostPort: 29214', `hostPort: ${logMetrics}`);
    // Both pods in one manifest: one `podkit up`, one `podkit down`.
    const manifest = join(root, 'monitoring-adapter.yaml');
    await writeFile(manifest, `${redisPod}---\n${nginxPod}`);
    t.after(async () => {
      await podkit('down', '--force', '-f', manifest).catch(() => undefined);
      await podkit('gc').catch(() => undefined);
      // The state root's agent (started by `up`) goes with the root.
      await podkit('agent', 'stop').catch(() => undefined);
      await run('ip', ['link', 'del', bridge]).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    });

    // The README's image mappings.
    await podkit(
      'image',
      'add',
      'docker.io/library/redis:7.0',
      '--host',
      '--entrypoint',
      '["redis-server"]',
    );
    await podkit(
      'image',
      'add',
      'docker.io/library/nginx:1.22',
      '--host',
      '--entrypoint',
      JSON.stringify(['nginx', '-g', 'daemon off; error_log stderr;']),
      '--stop-signal',
      'SIGQUIT',
    );
    for (const [image, bin] of [
      ['ghcr.io/podkit/metrics-adapter:0.1.0', METRICS_BIN],
      ['ghcr.io/podkit/log-adapter:0.1.0', LOG_BIN],
    ] as const) {
      await podkit(
        'image',
        'add',
        image,
        '--host',
        '--keep',
        REPO,
        '--entrypoint',
        JSON.stringify(['node', bin]),
      );
    }
    await podkit('up', '-d', '-f', manifest);

    // Three keys, one with a TTL, written inside the Redis pod (one `podkit exec`).
    const { stdout: written } = await podkit(
      'exec',
      'redis-monitored',
      '-c',
      'redis',
      '--',
      'redis-cli',
      'eval',
      "redis.call('set', 'user:1', 'alice'); redis.call('set', 'user:2', 'bob'); " +
        "return redis.call('set', 'session:9', 'x', 'EX', 3600)",
      '0',
    );
    assert.equal(written.trim(), 'OK');
    // Requests to nginx through its host port: the access log the log adapter follows.
    const REQUESTS = 5;
    for (let i = 0; i < REQUESTS; i++) {
      const res = await eventually(
        'nginx answers',
        async () => {
          const r = await fetch(`http://127.0.0.1:${nginxHttp}/`, {
            signal: AbortSignal.timeout(5000),
          });
          return r.status === 200 ? r.text() : undefined;
        },
        WITHIN,
      );
      assert.equal(res, 'hello from the nginx pod\n');
    }

    // The example's prometheus.yml, pointed at this test's host ports.
    let promConfig = await readFile(join(EXAMPLE, 'prometheus.yml'), 'utf8');
    promConfig = replaceOnce(promConfig, 'scrape_interval: 5s', 'scrape_interval: 1s');
    promConfig = replaceOnce(promConfig, 'scrape_timeout: 4s', 'scrape_timeout: 1s');
    promConfig = replaceOnce(promConfig, "'127.0.0.1:29221'", `'127.0.0.1:${redisMetrics}'`);
    promConfig = replaceOnce(promConfig, "'127.0.0.1:29213'", `'127.0.0.1:${nginxMetrics}'`);
    promConfig = replaceOnce(promConfig, "'127.0.0.1:29214'", `'127.0.0.1:${logMetrics}'`);
    const prometheus = await startPrometheus('example-prometheus', promConfig);
    t.after(() => prometheus.stop());
    const base = `http://127.0.0.1:${prometheus.port}`;
    const api = <T>(path: string): Promise<T> => prometheusApi<T>(base, path);
    const query = async (q: string): Promise<Vector> =>
      (await api<{ result: Vector }>(`/api/v1/query?query=${encodeURIComponent(q)}`)).result;
    /** Waits until `q` answers exactly one series whose value passes `ok`; returns it. */
    const single = (q: string, ok: (v: number) => boolean) =>
      eventually(
        q,
        async () => {
          const r = await query(q);
          return r.length === 1 && ok(Number(r[0]?.value[1])) ? r[0] : undefined;
        },
        WITHIN,
      );

    type Targets = {
      activeTargets: {
        labels: Record<string, string>;
        health: string;
        lastError: string;
      }[];
    };
    const targets = await eventually(
      'the three targets up',
      async () => {
        const d = await api<Targets>('/api/v1/targets');
        return d.activeTargets.length === 3 && d.activeTargets.every((x) => x.health === 'up')
          ? d
          : undefined;
      },
      WITHIN,
    );
    assert.deepEqual(targets.activeTargets.map((x) => x.labels['job']).sort(), [
      'nginx',
      'nginx-log',
      'redis',
    ]);
    for (const x of targets.activeTargets) assert.equal(x.lastError, '');

    const up = await single('redis_up', (v) => v === 1);
    assert.equal(up.metric['pod'], 'redis-monitored');
    await single('redis_db_keys{db="db0"}', (v) => v === 3);
    await single('redis_db_keys{db="db0"} - redis_db_keys_expiring{db="db0"}', (v) => v === 2);
    const role = await single('redis_instance_info', (v) => v === 1);
    assert.equal(role.metric['role'], 'master');

    await single('nginx_up', (v) => v === 1);
    // The readiness probe's requests count too: at least this test's.
    await single('nginx_http_requests_total', (v) => v >= REQUESTS);
    await single('nginx_connections_accepted_total', (v) => v >= 1);
    // From the access log, through the log adapter: requests by status.
    await single('sum(nginx_log_http_requests_total{status="200"})', (v) => v >= REQUESTS);
    await single('nginx_log_http_request_duration_seconds_count', (v) => v >= REQUESTS);

    type Metadata = Record<string, { type: string }[]>;
    const meta = await api<Metadata>('/api/v1/metadata');
    assert.equal(meta['redis_db_keys']?.[0]?.type, 'gauge');
    assert.equal(meta['nginx_http_requests']?.[0]?.type, 'counter');
    assert.equal(meta['nginx_log_http_request_duration_seconds']?.[0]?.type, 'histogram');

    // The log adapter's log, both streams as `podkit logs` shows them: its own lines all carry
    // its name, so the README's `grep -v '"name":"podkit-log-adapter"'` leaves the records
    // only: one JSON object per request, typed fields, the pod label.
    const { stdout } = await podkit('logs', 'nginx-monitored', '-c', 'log-adapter');
    const lines = stdout.split('\n').filter((l) => l !== '');
    const own = lines.filter((l) => l.includes('"name":"podkit-log-adapter"'));
    assert.match(own[0] ?? '', /"msg":"starting"/);
    const records = lines
      .filter((l) => !own.includes(l))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of records) assert.equal(r['format'], 'nginx', JSON.stringify(r));
    const served = records.filter((r) => r['path'] === '/' && r['status'] === 200);
    assert.ok(served.length >= REQUESTS, stdout);
    const first = served[0];
    assert.ok(first !== undefined);
    assert.deepEqual(first['source'], { pod: 'nginx-monitored', file: '/var/log/pod/access.log' });
    assert.equal(typeof first['body_bytes_sent'], 'number');
  });
});
