import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { createAmbassador, type Ambassador } from './ambassador.js';
import { encodeCommand } from '../resp/decode.js';
import { command, info, startReplicaSet } from '../../test/redis-servers.js';

/*
 * Property-based tests against a running ambassador (fast-check): whatever bytes a client
 * sends — valid, malformed, truncated, with huge lengths — the ambassador answers byte for
 * byte what redis-server answers to the same bytes and closes when it closes, stays up, and
 * holds a bounded amount of memory for a huge request.
 */

let set: Awaited<ReturnType<typeof startReplicaSet>>;
let amb: Ambassador;

before(async () => {
  set = await startReplicaSet(1);
  amb = await createAmbassador({
    listen: '127.0.0.1:0',
    master: `127.0.0.1:${set.master.port}`,
    replicas: [`127.0.0.1:${set.replicas[0]!.port}`],
    readFrom: 'replica',
  });
});
after(async () => {
  await amb.close();
  await set.stop();
});

/** Sends `chunks` (one write each), half-closes, and collects everything until the close. */
function talk(port: number, chunks: readonly Buffer[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    const got: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new Error(
          `no close within 10 s; got ${JSON.stringify(Buffer.concat(got).toString('latin1'))}`,
        ),
      );
    }, 10_000); // a bound against hanging, not a timing assertion
    sock.on('data', (d: Buffer) => got.push(d));
    sock.on('error', () => undefined); // a reset after the server closed: 'close' follows
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(got).toString('latin1'));
    });
    for (const c of chunks) sock.write(c);
    sock.end();
  });
}

/** Request fragments whose replies do not depend on which node answers (no data is read). */
const fragment: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 30 }).map((a) => encodeCommand(['ECHO', Buffer.from(a)])),
  fc.constantFrom(
    encodeCommand(['PING']),
    encodeCommand(['GET', 'fuzz:none']),
    encodeCommand(['EXISTS', 'fuzz:none', 'fuzz:other']),
    encodeCommand(['ECHO']),
    encodeCommand(['NOSUCHCOMMAND', 'x']),
    Buffer.from('PING\r\n'),
    Buffer.from('\r\n'),
    Buffer.from('*0\r\n'),
    Buffer.from('*-1\r\n'),
    Buffer.from('*x\r\n'),
    Buffer.from('*1\r\n$-1\r\n'),
    Buffer.from('*1\r\nfoo\r\n'),
    Buffer.from('*2\r\n$4\r\nECHO\r\n$99999999999\r\n'),
    Buffer.from('*3000000000\r\n'),
  ),
  // Inline ECHO with random printable text: quotes may balance or not.
  fc
    .string({ unit: fc.constantFrom('a', ' ', '"', "'", '\\', 'x', '4', '1', '\t') })
    .map((s) => Buffer.from(`ECHO ${s}\r\n`, 'latin1')),
  // A header with a random length, and random raw bytes.
  fc.tuple(fc.constantFrom('*', '$'), fc.integer()).map(([t, n]) => Buffer.from(`${t}${n}\r\n`)),
  fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
);

/** Cuts `data` at the given offsets: each piece is one write. */
function cut(data: Buffer, points: readonly number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...at, data.length]) {
    if (p > prev) out.push(data.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  return out;
}

test('fuzz: for any request bytes the ambassador answers exactly as redis-server, then closes as it does', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fragment, { minLength: 1, maxLength: 12 }),
      fc.nat(),
      fc.array(fc.nat(), { maxLength: 6 }),
      async (frags, truncate, points) => {
        let data = Buffer.concat(frags);
        // Half the cases end with a truncated request.
        if (truncate % 2 === 1) data = data.subarray(0, data.length - (truncate % 7));
        const direct = await talk(set.master.port, [data]);
        const via = await talk(amb.address.port, cut(data, points));
        assert.equal(via, direct);
      },
    ),
    { numRuns: 150 },
  );
  // Still up and serving.
  assert.equal(await command(amb.address.port, ['PING']), 'PONG');
});

test('a huge request is streamed with bounded memory; a client gone mid-frame leaves nothing behind', async () => {
  const masterClients = async (): Promise<number> =>
    Number((await info(set.master.port, 'clients')).get('connected_clients'));
  const before = await masterClients();
  const announced = 400 * 1024 * 1024;
  const sent = 48 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 0x68);
  // Collected garbage is not memory held: measure what is live, after a full GC.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const baseline = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const sock = net.connect(amb.address.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.write(`*3\r\n$3\r\nSET\r\n$9\r\nfuzz:huge\r\n$${announced}\r\n`);
  for (let n = 0; n < sent; n += chunk.length) {
    if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
    if (n % (4 * 1024 * 1024) === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }
  }
  // The client disappears in the middle of the value: the upstream connection that carried
  // the partial SET must go too (else the next request would become part of the value).
  sock.destroy();
  const growth = peak - baseline;
  assert.ok(
    growth < 16 * 1024 * 1024,
    `buffers grew by ${(growth / 1048576).toFixed(1)} MiB while 48 MiB passed through`,
  );
  for (let i = 0; ; i++) {
    if ((await masterClients()) <= before) break;
    if (i > 400) assert.fail('the upstream connection of the vanished client stayed open');
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(await command(amb.address.port, ['EXISTS', 'fuzz:huge']), 0);
  assert.equal(await command(amb.address.port, ['ECHO', 'after']), 'after');
});
