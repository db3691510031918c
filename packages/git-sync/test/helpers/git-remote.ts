import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throw-away remote: a bare repository plus a work clone that commits and pushes to it. */
export interface TestRemote {
  dir: string;
  bare: string;
  url: string;
  /** Writes `files` (replacing the whole tree), commits, pushes `branch`; returns the SHA. */
  commit(
    files: Record<string, string>,
    opts?: { branch?: string; message?: string },
  ): Promise<string>;
  /**
   * Builds one commit per tree (each the child of the previous) in the work clone with a
   * single `git fast-import`, without pushing: cheap setup for tests that push many commits.
   */
  build(trees: readonly Record<string, string>[]): Promise<string[]>;
  git(args: string[], cwd?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function makeRemote(): Promise<TestRemote> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'podkit-gs-remote-'));
  const bare = path.join(dir, 'remote.git');
  const work = path.join(dir, 'work');
  const home = path.join(dir, 'home');
  await fs.mkdir(home);
  // The helper's own git trusts repositories of any owner: a test may chown the remote to
  // another uid (as a hostPath seen by git-sync's non-root user) and still push to it.
  await fs.writeFile(path.join(home, '.gitconfig'), '[safe]\n\tdirectory = *\n');
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    LC_ALL: 'C',
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.invalid',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.invalid',
  };
  const git = async (args: string[], cwd = work): Promise<string> => {
    const { stdout } = await run('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  };
  await git(['init', '--quiet', '--bare', '--initial-branch=main', bare], dir);
  await git(['init', '--quiet', '--initial-branch=main', work], dir);
  await git(['remote', 'add', 'origin', bare]);
  let current = 'main';
  return {
    dir,
    bare,
    url: `file://${bare}`,
    git,
    async commit(files, opts = {}) {
      const branch = opts.branch ?? 'main';
      if (branch !== current) {
        await git(['checkout', '--quiet', '-B', branch]);
        current = branch;
      }
      for (const name of await fs.readdir(work)) {
        if (name !== '.git') await fs.rm(path.join(work, name), { recursive: true, force: true });
      }
      await Promise.all(
        Object.entries(files).map(async ([name, content]) => {
          await fs.mkdir(path.dirname(path.join(work, name)), { recursive: true });
          await fs.writeFile(path.join(work, name), content);
        }),
      );
      await git(['add', '-A']);
      await git(['commit', '--quiet', '--allow-empty', '-m', opts.message ?? 'commit']);
      await git(['push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${branch}`]);
      return git(['rev-parse', 'HEAD']);
    },
    async build(trees) {
      const marks = path.join(dir, `marks-${Date.now()}`);
      const chunks: string[] = [];
      trees.forEach((files, i) => {
        const message = `build ${i}`;
        chunks.push(
          `commit refs/podkit-test/build\nmark :${i + 1}\n`,
          `committer test <test@example.invalid> ${1_700_000_000 + i} +0000\n`,
          `data ${Buffer.byteLength(message)}\n${message}\n`,
          i > 0 ? `from :${i}\n` : '',
          'deleteall\n',
        );
        for (const [name, content] of Object.entries(files)) {
          chunks.push(`M 100644 inline ${name}\ndata ${Buffer.byteLength(content)}\n${content}\n`);
        }
        chunks.push('\n');
      });
      await new Promise<void>((resolve, reject) => {
        const child = execFile(
          'git',
          ['fast-import', '--quiet', '--force', `--export-marks=${marks}`],
          { cwd: work, env, maxBuffer: 64 * 1024 * 1024 },
          (err) => {
            if (err === null) resolve();
            else reject(new Error(`git fast-import failed: ${err.message}`));
          },
        );
        child.stdin?.end(chunks.join(''));
      });
      const bySha = new Map<number, string>();
      for (const line of (await fs.readFile(marks, 'utf8')).split('\n')) {
        const m = /^:(\d+) ([0-9a-f]+)$/.exec(line);
        if (m?.[2] !== undefined) bySha.set(Number(m[1]), m[2]);
      }
      await fs.rm(marks, { force: true });
      return trees.map((_, i) => {
        const sha = bySha.get(i + 1);
        if (sha === undefined) throw new Error(`git fast-import made no commit ${i}`);
        return sha;
      });
    },
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

export async function tempRoot(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'podkit-gs-root-'));
  return { root, cleanup: () => fs.rm(root, { recursive: true, force: true }) };
}
