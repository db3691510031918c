import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** What one step did. */
export interface StepResult {
  /** The exit status of the command (as `$?` shows it), or `timeout`. */
  status: number | 'timeout';
  /** Its stdout and stderr, interleaved as a terminal shows them. */
  output: string;
}

/**
 * One bash, fed a README's commands one at a time, as a user types them into one terminal:
 * variables, the working directory and background jobs (`prometheus … &`) carry from one
 * command to the next. Each command reads /dev/null (so it cannot swallow the next ones) and
 * writes to its own file in `dir`. Stop it with `close()`: the whole process group goes
 * (background jobs included), SIGTERM then SIGKILL.
 */
export class ReadmeSession {
  readonly #child;
  readonly #dir: string;
  readonly #done = new Map<number, (status: number) => void>();
  #count = 0;
  #exited = false;

  constructor(options: { cwd: string; env: NodeJS.ProcessEnv; dir: string }) {
    this.#dir = options.dir;
    this.#child = spawn('bash', [], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'inherit'],
      // Its own process group: close() stops bash and every job it started.
      detached: true,
    });
    this.#child.on('exit', () => {
      this.#exited = true;
      for (const settle of this.#done.values()) settle(-1);
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const m = /^__readme_step (\d+) (\d+)$/.exec(line);
      if (m !== null) this.#done.get(Number(m[1]))?.(Number(m[2]));
    });
  }

  /** Runs one command; resolves when it ended (or after `timeoutMs`, status `timeout`). */
  async run(command: string, timeoutMs: number): Promise<StepResult> {
    const n = ++this.#count;
    const out = path.join(this.#dir, `step-${n}.out`);
    if (this.#exited) return { status: -1, output: 'bash is gone' };
    const ended = new Promise<number>((resolve) => this.#done.set(n, resolve));
    // The group keeps the command as typed (a trailing `# comment` ends at its newline).
    this.#child.stdin.write(
      `{ ${command}\n} </dev/null >${shellQuote(out)} 2>&1\nprintf '__readme_step ${n} %d\\n' $?\n`,
    );
    let timer: NodeJS.Timeout | undefined;
    const status = await Promise.race([
      ended,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => {
          resolve('timeout');
        }, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#done.delete(n);
    return { status, output: await readFile(out, 'utf8').catch(() => '') };
  }

  /** Stops bash and everything it started that is still in its process group. */
  async close(): Promise<void> {
    const pgid = this.#child.pid;
    if (pgid === undefined) return;
    const kill = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-pgid, signal);
      } catch {
        // the group is gone
      }
    };
    kill('SIGTERM');
    if (!this.#exited) {
      const exited = once(this.#child, 'exit');
      const timer = setTimeout(() => {
        kill('SIGKILL');
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    // Background jobs that outlived bash (or ignore SIGTERM) go too.
    kill('SIGKILL');
  }
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
