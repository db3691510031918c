import { execFile, spawn } from 'node:child_process';
import type { TestContext } from 'node:test';

/** The real kubectl (on PATH) with one kubeconfig and discovery cache; `input` goes to its stdin. */
export interface Kubectl {
  (
    args: readonly string[],
    options?: { input?: string },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  env: NodeJS.ProcessEnv;
  cacheDir: string;
  /**
   * A kubectl that runs on (`logs -f`, `get -w`): what it printed so far; stopped by its PID
   * after the test `t`.
   */
  follow(args: readonly string[], t: TestContext): { out(): string };
}

/**
 * @example
 *   const kubectl = kubectlWith(kubeconfig, path.join(dir, 'cache'));
 *   const { code, stdout } = await kubectl(['get', 'pods', '-o', 'name']);
 */
export function kubectlWith(kubeconfig: string, cacheDir: string): Kubectl {
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const run = (args: readonly string[], options: { input?: string } = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        'kubectl',
        ['--cache-dir', cacheDir, ...args],
        { env, timeout: 60_000, encoding: 'utf8' },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
      child.stdin?.end(options.input);
    });
  const follow = (args: readonly string[], t: TestContext): { out(): string } => {
    const child = spawn('kubectl', ['--cache-dir', cacheDir, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGTERM');
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (out += c));
    return { out: () => out };
  };
  return Object.assign(run, { env, cacheDir, follow });
}
