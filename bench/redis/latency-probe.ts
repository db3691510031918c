/**
 * A `-c 1` latency probe at microsecond resolution, beside redis-benchmark's: redis-benchmark
 * records latencies in an HDR histogram whose smallest bucket is 8 µs wide (its lowest value is
 * 10 µs, so the histogram's unit is 2^3 µs), so its p50s of a proxy and twemproxy are often
 * the same number while they differ by a few µs. This probe sends one GET at a time on one
 * connection and times each round trip with the monotonic clock.
 *
 * Its own cost (a Node client) is in every target's figure alike; compare differences between
 * targets measured in the same round, not the absolute values with redis-benchmark's.
 */
import net from 'node:net';
import { once } from 'node:events';

/** `GET key:__rand_int__` (the key redis-benchmark's GET reads when not given -r). */
const REQUEST = Buffer.from('*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n');

/**
 * Sends `warmup + n` GETs one after another to 127.0.0.1:`port` and returns the last `n`
 * round-trip times in µs, sorted. Every reply must be as long as the first one (the key holds
 * one value throughout).
 */
export async function probeLatency(port: number, n: number, warmup = 500): Promise<number[]> {
  const read = Buffer.allocUnsafe(64 * 1024);
  let replyLength = -1;
  let got = 0;
  let done: (() => void) | undefined;
  let failed: ((err: Error) => void) | undefined;
  const socket = net.connect({
    host: '127.0.0.1',
    port,
    noDelay: true,
    onread: {
      buffer: read,
      callback: (bytes: number, buf: Uint8Array): boolean => {
        got += bytes;
        // The first reply's length: a bulk string `$<len>\r\n<value>\r\n` (or `$-1\r\n`).
        if (replyLength < 0 && got >= 5) {
          const header = Buffer.from(buf.subarray(0, bytes)).toString('latin1');
          const m = /^\$(-?\d+)\r\n/.exec(header);
          if (m === null)
            throw new Error(`latency probe: not a bulk reply: ${header.slice(0, 40)}`);
          const len = Number(m[1]);
          replyLength = m[0].length + (len < 0 ? 0 : len + 2);
        }
        if (replyLength >= 0 && got >= replyLength) {
          got -= replyLength;
          done?.();
        }
        return true;
      },
    },
  });
  await once(socket, 'connect');
  socket.on('close', () => {
    failed?.(new Error(`latency probe: port ${port} closed the connection`));
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup + n; i++) {
      const reply = new Promise<void>((resolve, reject) => {
        done = resolve;
        failed = reject;
      });
      const t0 = process.hrtime.bigint();
      socket.write(REQUEST);
      await reply;
      const t1 = process.hrtime.bigint();
      if (i >= warmup) times.push(Number(t1 - t0) / 1000);
    }
  } finally {
    socket.destroy();
  }
  return times.sort((a, b) => a - b);
}

/** The value at quantile q (0…1) of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
