import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A real nginx (Debian's nginx-light) serving one directory on loopback, for tests. */
export interface TestNginx {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** Stops nginx (SIGQUIT, then SIGKILL) and removes its prefix directory. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

/**
 * Starts nginx in the foreground with a private prefix (config, pid, logs, temp dirs) that
 * serves `root` — e.g. `<git-sync root>/current`, as examples/push-to-deploy does: no file
 * cache, so every request resolves the link anew; dotfiles denied. Workers run as nobody, so
 * `root` must be world-readable.
 */
export async function startNginx(root: string): Promise<TestNginx> {
  const prefix = await fs.mkdtemp(path.join(os.tmpdir(), 'podkit-gs-nginx-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const conf = path.join(prefix, 'nginx.conf');
    await fs.writeFile(
      conf,
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${prefix}/nginx.pid;`,
        `error_log ${prefix}/error.log warn;`,
        'events { worker_connections 256; }',
        'http {',
        '  access_log off;',
        '  default_type text/plain;',
        `  client_body_temp_path ${prefix}/body;`,
        `  proxy_temp_path ${prefix}/proxy;`,
        `  fastcgi_temp_path ${prefix}/fastcgi;`,
        `  uwsgi_temp_path ${prefix}/uwsgi;`,
        `  scgi_temp_path ${prefix}/scgi;`,
        '  server {',
        `    listen 127.0.0.1:${port};`,
        `    root ${root};`,
        '    location ~ /\\. { return 404; }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const child = spawn('nginx', ['-p', prefix, '-c', conf, '-e', `${prefix}/error.log`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => {
      child.on('close', () => {
        resolve();
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const kill = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
    };
    const stop = async (): Promise<void> => {
      await kill();
      await fs.rm(prefix, { recursive: true, force: true });
    };
    // Up when it answers (any status); a port taken meanwhile makes it exit: try another.
    const deadline = Date.now() + 30_000; // a bound against hanging, not a timing assertion
    let up = false;
    while (!up && child.exitCode === null && Date.now() < deadline) {
      up = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) }).then(
        async (r) => {
          await r.arrayBuffer();
          return true;
        },
        () => false,
      );
      if (!up) await new Promise((r) => setTimeout(r, 50));
    }
    if (up) return { url, stop };
    const again = attempt < 3 && stderr.includes('Address already in use');
    await (again ? kill() : stop());
    if (!again) throw new Error(`nginx did not start: ${stderr.trim()}`);
  }
}
