/** Helpers shared by the benchmark scripts: run a program, time it, take percentiles. */
import { spawnSync } from 'node:child_process';

/** Runs `cmd args` (in `env`, default this process's); throws with its stderr when it fails. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${String(r.status)}): ${r.stderr}`);
}

/** Runs `cmd args` (as `run`) and returns how long it took, in ms. */
export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = process.hrtime.bigint();
  run(cmd, args, env);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** The `p`th percentile (nearest rank) of `xs`; NaN when empty. */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}
