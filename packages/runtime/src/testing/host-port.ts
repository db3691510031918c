import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/** Whether a TCP listener can bind `port` on every address now (nothing holds it). */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => {
      resolve(false);
    });
    srv.listen(port, '0.0.0.0', () => {
      srv.close(() => {
        resolve(true);
      });
    });
  });
}

/**
 * A hostPort for a test pod: free now, and below the kernel's ephemeral range (32768+), where
 * other tests' port-0 listeners and outgoing connections take their local ports — a port from
 * there can be taken between the check and the pod's admission, or between two pods of a test
 * that reuses it (seen in CI: "hostPort 42298/tcp is taken"). 13000–28999 also stays clear of
 * the ranges the Redis example tests pick from.
 */
export async function freeHostPort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = randomInt(13_000, 29_000);
    if (await canBind(port)) return port;
  }
  throw new Error('no free host port in 13000-28999');
}

/**
 * `n` distinct hostPorts from freeHostPort's range, for a test that publishes several.
 *
 * @example
 *   const [web, hook] = await freeHostPorts(2);
 */
export async function freeHostPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freeHostPort());
  return [...ports];
}
