import { readFile, readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * The directories of cgroup `rel` (e.g. /podkit/abc) in every mounted hierarchy: each v1
 * controller, the hybrid `unified` mount, and the v2 root.
 */
export async function cgroupDirs(rel: string): Promise<string[]> {
  const entries = await readdir(CGROUP_ROOT, { withFileTypes: true }).catch(() => []);
  const roots = [
    CGROUP_ROOT,
    ...entries.filter((e) => e.isDirectory()).map((e) => path.join(CGROUP_ROOT, e.name)),
  ];
  const dirs: string[] = [];
  for (const r of roots) {
    const d = path.join(r, rel);
    const ok = await readdir(d).then(
      () => true,
      () => false,
    );
    if (ok && !dirs.includes(d)) dirs.push(d);
  }
  return dirs;
}

/** Child cgroup names of `rel` starting with `prefix`, across hierarchies, deduplicated. */
export async function childCgroups(rel: string, prefix: string): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of await cgroupDirs(rel)) {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory() && e.name.startsWith(prefix)) names.add(path.posix.join(rel, e.name));
    }
  }
  return [...names].sort();
}

/** Removes cgroup `rel` (children first) in every hierarchy. A busy or missing one is skipped. */
export async function removeCgroup(rel: string): Promise<void> {
  for (const dir of await cgroupDirs(rel)) await removeTree(dir);
}

async function removeTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) await removeTree(path.join(dir, e.name));
  }
  // cgroupfs directories hold only control files: rmdir removes them when no task is left.
  await rmdir(dir).catch(() => undefined);
}

/** Pids in cgroup `rel` (and below), from every hierarchy. */
export async function cgroupPids(rel: string): Promise<number[]> {
  const pids = new Set<number>();
  const walk = async (dir: string): Promise<void> => {
    const text = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    for (const l of text.split('\n')) if (l !== '') pids.add(Number(l));
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(dir, e.name));
    }
  };
  for (const dir of await cgroupDirs(rel)) await walk(dir);
  return [...pids].sort((a, b) => a - b);
}
