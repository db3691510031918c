import { execFile } from 'node:child_process';

/** The real kubectl (on PATH) with one kubeconfig and discovery cache; `input` goes to its stdin. */
export interface Kubectl {
  (
    args: readonly string[],
    options?: { input?: string },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  env: NodeJS.ProcessEnv;
  cacheDir: string;
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
  return Object.assign(run, { env, cacheDir });
}
