import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnGroup, type ProcessGroup } from '@podkit/kit';

/** A child started by a test: its PID's group and temp dir go away with stop(). */
export interface TestProcess {
  readonly port: number;
  readonly dir: string;
  readonly group: ProcessGroup;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (for programs whose port 0 means "off" or is not reported). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => {
    srv.close(() => {
      resolve();
    });
  });
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** Whether 127.0.0.1:`port` accepts a TCP connection. */
export async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      resolve(false);
    });
  });
}

/** Waits (polling, up to `ms`) until a TCP port accepts connections. */
export async function waitForPort(port: number, group: ProcessGroup, ms = 20_000): Promise<void> {
  const state = { exited: false };
  void group.exited.then(() => (state.exited = true));
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (state.exited) throw new Error(`process ${group.pid} exited before listening on ${port}`);
    if (await portOpen(port)) return;
    await sleep(50);
  }
  throw new Error(`nothing listening on ${port} after ${ms} ms`);
}

/**
 * Starts `make(port, dir)`'s program on a free port in its own process group and temp dir,
 * retrying with another port when the first was taken meanwhile.
 */
export async function startOnFreePort(
  prefix: string,
  make: (port: number, dir: string) => Promise<{ cmd: string; args: string[]; cwd?: string }>,
  readyPort?: (port: number) => number,
): Promise<TestProcess> {
  const dir = await mkdtemp(join(tmpdir(), `podkit-adapters-${prefix}-`));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const { cmd, args, cwd } = await make(port, dir);
    const group = await spawnGroup(cmd, args, {
      env: { PATH: process.env['PATH'] },
      cwd: cwd ?? dir,
      stdio: 'ignore',
    });
    try {
      await waitForPort(readyPort?.(port) ?? port, group);
      return {
        port,
        dir,
        group,
        stop: async () => {
          await group.stop({ graceMs: 3000 });
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      await group.stop({ graceMs: 1000 });
      if (attempt < 3) continue;
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }
}

/** redis-server on 127.0.0.1 without persistence; `extra` are more arguments. */
export function startRedis(extra: string[] = []): Promise<TestProcess> {
  return startOnFreePort('redis', (port, dir) =>
    Promise.resolve({
      cmd: 'redis-server',
      args: [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        ...extra,
      ],
    }),
  );
}

/** nginx (Debian nginx-light) in the foreground with `stub_status` at /stub_status. */
export function startNginx(): Promise<TestProcess> {
  return startOnFreePort('nginx', async (port, dir) => {
    const conf = join(dir, 'nginx.conf');
    await writeFile(
      conf,
      [
        'daemon off;',
        'master_process off;',
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')};`,
        'events {}',
        'http {',
        '  access_log off;',
        `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;`,
        `  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
        `  server { listen 127.0.0.1:${port}; location = /stub_status { stub_status; } location / { return 200 "hi\\n"; } }`,
        '}',
        '',
      ].join('\n'),
    );
    return { cmd: 'nginx', args: ['-c', conf, '-p', dir] };
  });
}

/** Debian's Prometheus on a free loopback port, `config` its prometheus.yml, storage in its dir. */
export function startPrometheus(prefix: string, config: string): Promise<TestProcess> {
  return startOnFreePort(prefix, async (port, dir) => {
    const file = join(dir, 'prometheus.yml');
    await writeFile(file, config);
    return {
      cmd: 'prometheus',
      args: [
        `--config.file=${file}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
    };
  });
}

interface ApiAnswer<T> {
  status: string;
  data: T;
}

/** One call of Prometheus' HTTP API at `base` (`/api/v1/…`): asserts success, returns `data`. */
export async function prometheusApi<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as ApiAnswer<T>;
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data;
}

/** Polls `probe` until it returns a value (errors count as "not yet"); throws after `ms`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms; // a bound against hanging, not a timing assertion
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(250);
  }
  throw new Error(`${what}: not seen within ${ms} ms (${String(last)})`);
}
