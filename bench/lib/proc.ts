/** /proc readings shared by the benchmark scripts (Linux). */
import { readFile } from 'node:fs/promises';

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
