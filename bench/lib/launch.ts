/**
 * Child processes for the benchmarks: started in their own process group with only PATH from
 * this environment, timed from exec, and stopped (SIGTERM to the group) by `stopAll`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { portOpen } from '../../packages/adapters/test/servers.js';

export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly t0: number;
  readonly stop: () => Promise<void>;
}

/** Cleanup steps, run last-first by `stopAll` (callers may push their own). */
export const stops: (() => Promise<void>)[] = [];

/** Runs every cleanup step, last first, and forgets them. */
export async function stopAll(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
}

/** Starts `cmd args` with PATH (and `env`) only, in its own process group. */
export function launch(cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  const t0 = performance.now();
  const child = spawn(cmd, args, {
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
  });
  const exited = once(child, 'exit');
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${cmd} did not start`);
  const p: Proc = {
    child,
    pid,
    t0,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          // gone
        }
        await exited;
      }
    },
  };
  stops.push(p.stop);
  return p;
}

/** The status of GET `path` on 127.0.0.1:`port` (a fresh connection), 0 when none. */
export function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', () => {
      resolve(0);
    });
    req.end();
  });
}

/** Whether 127.0.0.1:`port` accepts a connection. */
export const accepts = portOpen;

/** ms from `p`'s exec until `ready()` holds (polled every ms or so). */
export async function readyAfter(
  p: Proc,
  ready: () => Promise<boolean>,
  what: string,
): Promise<number> {
  for (;;) {
    if (await ready()) return performance.now() - p.t0;
    if (p.child.exitCode !== null) throw new Error(`${what} exited before it was ready`);
    if (performance.now() - p.t0 > 30_000) throw new Error(`${what} not ready after 30 s`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Runs redis-benchmark against 127.0.0.1:`port` with `args` and returns its standard output. */
export async function redisBenchmark(port: number, args: string[]): Promise<string> {
  const child = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`redis-benchmark exited with ${String(code)}`);
  return out;
}
