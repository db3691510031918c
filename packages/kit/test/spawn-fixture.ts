// Test helper: runs a .ts fixture the way a bin runs (node + tsx, podkit-source condition).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const kitDir = fileURLToPath(new URL('..', import.meta.url));

export interface Fixture {
  readonly child: ChildProcess;
  /** Resolves when stdout has shown a line equal to `line`. */
  waitForLine(line: string): Promise<void>;
  /** Resolves with the first stdout line matching `re`. */
  waitForMatch(re: RegExp): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** Kills the fixture if it is still running (for t.after). */
  kill(): void;
}

export function spawnFixture(name: string, args: readonly string[] = []): Fixture {
  const child = spawn(
    process.execPath,
    ['--conditions=podkit-source', '--import', 'tsx', `test/fixtures/${name}`, ...args],
    { cwd: kitDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    const lines = out.split('\n');
    for (const w of [...waiters]) {
      if (lines.includes(w.line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code, signal });
    });
  });
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitForLine: (line) =>
      new Promise<void>((resolve, reject) => {
        if (out.split('\n').includes(line)) {
          resolve();
          return;
        }
        waiters.push({ line, resolve });
        void exited.then(({ code }) => {
          reject(new Error(`fixture exited (${code}) before printing "${line}"; stderr: ${err}`));
        });
      }),
    waitForMatch: async (re) => {
      for (;;) {
        const hit = out.split('\n').find((l) => re.test(l));
        if (hit !== undefined) return hit;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`fixture exited before printing ${String(re)}; stderr: ${err}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
