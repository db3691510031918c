/** /proc readings shared by the benchmark scripts (Linux). */
import { readFile, readdir } from 'node:fs/promises';

const CLK_TCK = 100; // Linux USER_HZ for /proc/<pid>/stat

/** user+system CPU seconds of a live process. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
}

/** A process's resident memory in MiB: all of it, its peak, and its anonymous and file parts. */
export interface Memory {
  rss: number;
  peak: number;
  anon: number;
  file: number;
}

/** VmRSS, VmHWM (peak), RssAnon and RssFile of a live process, in MiB. */
export async function memory(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const mib = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]) / 1024;
  return { rss: mib('VmRSS'), peak: mib('VmHWM'), anon: mib('RssAnon'), file: mib('RssFile') };
}

/** RSS and PSS summed over processes, and how many. */
export interface ProcessesMemory {
  rssKb: number;
  pssKb: number;
  count: number;
}

/** RSS and PSS of every process whose command line satisfies `pick`. */
export async function memoryOf(pick: (argv: string[]) => boolean): Promise<ProcessesMemory> {
  const mem: ProcessesMemory = { rssKb: 0, pssKb: 0, count: 0 };
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv[0] === '' || !pick(argv)) continue;
    const rollup = await readFile(`/proc/${name}/smaps_rollup`, 'utf8').catch(() => '');
    mem.rssKb += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    mem.pssKb += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    mem.count++;
  }
  return mem;
}
