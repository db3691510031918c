import { readFile } from 'node:fs/promises';

export interface Rlimit {
  /** e.g. `RLIMIT_NOFILE`. */
  type: string;
  soft: number;
  hard: number;
}

/** Hard limits by rlimit type; `Infinity` for unlimited. */
export type HostLimits = Readonly<Record<string, number>>;

const LIMIT_NAMES: Readonly<Record<string, string>> = {
  'Max cpu time': 'RLIMIT_CPU',
  'Max file size': 'RLIMIT_FSIZE',
  'Max data size': 'RLIMIT_DATA',
  'Max stack size': 'RLIMIT_STACK',
  'Max core file size': 'RLIMIT_CORE',
  'Max resident set': 'RLIMIT_RSS',
  'Max processes': 'RLIMIT_NPROC',
  'Max open files': 'RLIMIT_NOFILE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max address space': 'RLIMIT_AS',
  'Max file locks': 'RLIMIT_LOCKS',
  'Max pending signals': 'RLIMIT_SIGPENDING',
  'Max msgqueue size': 'RLIMIT_MSGQUEUE',
  'Max nice priority': 'RLIMIT_NICE',
  'Max realtime priority': 'RLIMIT_RTPRIO',
  'Max realtime timeout': 'RLIMIT_RTTIME',
};

/** Parses /proc/PID/limits into hard limits per type. */
export function parseProcLimits(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n').slice(1)) {
    const m = /^(.+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (m === null) continue;
    const type = LIMIT_NAMES[m[1] ?? ''];
    if (type === undefined) continue;
    const hard = m[3] === 'unlimited' ? Infinity : Number(m[3]);
    if (!Number.isNaN(hard)) out[type] = hard;
  }
  return out;
}

/** The hard limits this process (and so runc, its child) really has. */
export async function readHostLimits(): Promise<Record<string, number>> {
  return parseProcLimits(await readFile('/proc/self/limits', 'utf8'));
}

/**
 * Clamps each rlimit to the caller's hard limit: without CAP_SYS_RESOURCE no process can
 * raise a hard limit, and runc fails the whole container ("error setting rlimit … operation
 * not permitted") if config.json asks for more.
 */
export function clampRlimits(requested: readonly Rlimit[], host: HostLimits): Rlimit[] {
  return requested.map((r) => {
    const cap = host[r.type] ?? Infinity;
    const hard = Math.min(r.hard, cap);
    return { type: r.type, hard, soft: Math.min(r.soft, hard) };
  });
}
