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
import { eventually, prometheusApi } from './servers.js';

/*
 * examples/monitoring-adapter as a user runs it: the redis, nginx and prometheus Deployments
 * with their Services brought up by `podkit up` (real runc containers from host images:
 * redis-server, nginx, the two adapter bins and Debian's Prometheus); Prometheus, in its pod,
 * scrapes the three adapter endpoints through the Services' names (cluster DNS → ClusterIP →
 * pod), and its query API, on a host port, answers with values that came from inside the
 * pods. Only the host ports (free ones, not 29280/29290) and the scrape interval differ from
 * the example's files.
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
    const [nginxHttp = 0, promPort = 0] = await freeHostPorts(2);
    const redis = await readFile(join(EXAMPLE, 'redis.yaml'), 'utf8');
    let nginx = await readFile(join(EXAMPLE, 'nginx.yaml'), 'utf8');
    nginx = replaceOnce(nginx, 'hostPort: 29280', `hostPort: ${nginxHttp}`);
    let prom = await readFile(join(EXAMPLE, 'prometheus.yaml'), 'utf8');
    prom = replaceOnce(prom, 'hostPort: 29290', `hostPort: ${promPort}`);
    prom = replaceOnce(prom, 'scrape_interval: 5s', 'scrape_interval: 1s');
    prom = replaceOnce(prom, 'scrape_timeout: 4s', 'scrape_timeout: 1s');
    // The three files in one manifest: one `podkit up`, one `podkit down`.
    const manifest = join(root, 'monitoring-adapter.yaml');
    await writeFile(manifest, `${redis}---\n${nginx}---\n${prom}`);
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
    await podkit(
      'image',
      'add',
      'docker.io/prom/prometheus:v2.42.0',
      '--host',
      '--entrypoint',
      '["prometheus"]',
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
    await podkit('up', '--wait', '-f', manifest);

    // Three keys, one with a TTL, written inside the Redis pod (one `podkit exec`).
    const { stdout: written } = await podkit(
      'exec',
      'deploy/redis-monitored',
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

    // Prometheus's API through its pod's host port.
    const base = `http://127.0.0.1:${String(promPort)}`;
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
    assert.deepEqual(
      targets.activeTargets
        .map((x) => `${x.labels['job'] ?? ''} ${x.labels['instance'] ?? ''}`)
        .sort(),
      [
        'nginx nginx-monitored.default.svc.cluster.local:9113',
        'nginx-log nginx-monitored.default.svc.cluster.local:9114',
        'redis redis-monitored.default.svc.cluster.local:9121',
      ],
    );
    for (const x of targets.activeTargets) assert.equal(x.lastError, '');

    const up = await single('redis_up', (v) => v === 1);
    assert.equal(up.metric['app'], 'redis-monitored');
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
    const { stdout } = await podkit('logs', 'deploy/nginx-monitored', '-c', 'log-adapter');
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
    // The pod label is the pod's own name ($(POD_NAME) from the downward API).
    const source = first['source'] as { pod: string; file: string };
    assert.match(source.pod, /^nginx-monitored-[a-z0-9]+-[a-z0-9]{5}$/);
    assert.equal(source.file, '/var/log/pod/access.log');
    assert.equal(typeof first['body_bytes_sent'], 'number');
  });
});
