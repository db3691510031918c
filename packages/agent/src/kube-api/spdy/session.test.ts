import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import type { PodkitError } from '@podkit/kit';
import {
  encodeData,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSynStream,
  encodeWindowUpdate,
} from './frame-writer.js';
import { SpdyFramer } from './framer.js';
import { GoAwayStatus, RstStatus, type ControlFrame, type DataPiece } from './frames.js';
import { decodeHeaderBlock, encodeHeaderBlock, type SpdyHeaders } from './header-block.js';
import { HeaderDeflater, HeaderInflater } from './header-compression.js';
import { SpdySession, type SpdySessionOptions } from './session.js';
import type { SpdyStream } from './stream.js';

/**
 * What kubectl 1.32.4 sent first over its port-forward tunnel (captured from the real client):
 * SYN_STREAM 1 (streamtype error, port 8080, requestid 0), an empty DATA with FLAG_FIN on 1
 * (it closes the error stream's sending side at once), SYN_STREAM 3 (streamtype data). The
 * second header block only inflates in the zlib context the first one left: Go's compressor
 * and ours must agree on the dictionary and the per-connection context.
 */
const KUBECTL_FIRST_FRAMES = Buffer.from(
  '800300010000003e0000000100000000000078f9e3c6a7c202253a48f95b044eea160616060c0c0c9c4590f8ca' +
    '04a5634603704a2c294a4dcc851636aca9a0a800000000ffff0000000101000000800300010000001a00000003' +
    '000000000000826a469502954389848d04000000ffff',
  'hex',
);

/** A minimal SPDY client over a real loopback connection, built from this package's parts. */
class Client {
  readonly socket: Socket;
  readonly #framer = new SpdyFramer();
  readonly #deflater = new HeaderDeflater();
  readonly #inflater = new HeaderInflater();
  readonly frames: (
    ControlFrame | DataPiece | { kind: 'headers-of'; id: number; headers: SpdyHeaders }
  )[] = [];
  readonly data = new Map<number, Buffer[]>();
  readonly fins = new Set<number>();
  #waiters: (() => void)[] = [];
  #queue: Promise<void> = Promise.resolve();

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#framer.push(chunk);
      for (let ev = this.#framer.next(); ev; ev = this.#framer.next()) {
        if (ev.kind === 'error') throw new Error(ev.message);
        const frame = ev;
        this.#queue = this.#queue.then(async () => {
          if (frame.kind === 'syn_reply') {
            const decoded = decodeHeaderBlock(await this.#inflater.decompress(frame.headerBlock));
            assert.ok('headers' in decoded);
            this.frames.push({ kind: 'headers-of', id: frame.streamId, headers: decoded.headers });
          }
          if (frame.kind === 'data') {
            const list = this.data.get(frame.streamId) ?? [];
            list.push(frame.data);
            this.data.set(frame.streamId, list);
            if (frame.last && frame.fin) this.fins.add(frame.streamId);
          }
          this.frames.push(frame);
          for (const w of this.#waiters.splice(0)) w();
        });
      }
    });
    socket.on('error', () => undefined);
  }

  async open(id: number, headers: [string, string[]][], fin = false): Promise<void> {
    const block = await this.#deflater.compress(encodeHeaderBlock(headers));
    this.socket.write(encodeSynStream(id, block, { fin }));
  }

  /** Resolves once `check` holds over what arrived (bounded: a test fails past 10 s). */
  async until(what: string, check: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  received(id: number): string {
    return Buffer.concat(this.data.get(id) ?? []).toString('latin1');
  }

  close(): void {
    this.#deflater.close();
    this.#inflater.close();
    this.socket.destroy();
  }
}

/** A server session on a loopback port and a client connected to it. */
async function pair(
  t: TestContext,
  options: Partial<SpdySessionOptions> = {},
): Promise<{
  client: Client;
  session: Promise<SpdySession>;
  streams: SpdyStream[];
  errors: PodkitError[];
}> {
  const streams: SpdyStream[] = [];
  const errors: PodkitError[] = [];
  let resolveSession!: (s: SpdySession) => void;
  const session = new Promise<SpdySession>((resolve) => {
    resolveSession = resolve;
  });
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    resolveSession(
      new SpdySession(socket, {
        onStream: (s) => {
          s.on('error', () => undefined);
          streams.push(s);
        },
        onProtocolError: (e) => errors.push(e),
        ...options,
      }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  const client = new Client(socket);
  t.after(async () => {
    client.close();
    (await session).close();
    server.close();
  });
  return { client, session, streams, errors };
}

test("kubectl's first frames: two streams with their headers, each answered with SYN_REPLY", async (t) => {
  const { client, streams } = await pair(t);
  client.socket.write(KUBECTL_FIRST_FRAMES);
  await client.until(
    'two SYN_REPLYs',
    () => client.frames.filter((f) => f.kind === 'syn_reply').length === 2,
  );
  assert.deepEqual(
    streams.map((s) => [s.id, [...s.headers]]),
    [
      [
        1,
        [
          ['port', ['8080']],
          ['requestid', ['0']],
          ['streamtype', ['error']],
        ],
      ],
      [
        3,
        [
          ['streamtype', ['data']],
          ['port', ['8080']],
          ['requestid', ['0']],
        ],
      ],
    ],
  );
  assert.equal(streams[0]?.remoteFinished, true);
  // Replies carry no headers, in stream order.
  assert.deepEqual(
    client.frames.filter((f) => f.kind === 'headers-of'),
    [
      { kind: 'headers-of', id: 1, headers: new Map() },
      { kind: 'headers-of', id: 3, headers: new Map() },
    ],
  );
});

test('data both ways with half-close: an echo of 1 MiB, then both sides finish', async (t) => {
  const { client, session, streams } = await pair(t, {
    onStream: (s) => {
      streams.push(s);
      s.pipe(s); // the peer's FIN ends the echo, which sends ours
    },
  });
  await client.open(1, [['x', ['1']]]);
  await client.until('the reply', () => client.frames.some((f) => f.kind === 'syn_reply'));
  const payload = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 251;
  for (let off = 0; off < payload.length; off += 65536)
    client.socket.write(encodeData(1, payload.subarray(off, off + 65536), false));
  client.socket.write(encodeData(1, Buffer.alloc(0), true));
  await client.until('the echo and its FIN', () => client.fins.has(1));
  assert.ok(Buffer.concat(client.data.get(1) ?? []).equals(payload));
  // Both sides finished: the stream destroys itself, without a reset.
  await client.until('the stream gone', () => streams[0]?.destroyed === true);
  assert.equal((await session).streamCount, 0);
  assert.equal(
    client.frames.some((f) => f.kind === 'rst_stream'),
    false,
  );
});

test('PING from the client is echoed; SETTINGS and WINDOW_UPDATE are ignored', async (t) => {
  const { client, errors } = await pair(t);
  client.socket.write(
    Buffer.concat([
      encodeSettings([{ id: 7, flags: 0, value: 1 << 20 }]),
      encodeWindowUpdate(0, 1000),
      encodePing(6), // an even id answers a ping of the server's: no echo
      encodePing(5),
    ]),
  );
  // An echo of 6 would have come before that of 5.
  await client.until('the echo', () => client.frames.some((f) => f.kind === 'ping'));
  assert.deepEqual(
    client.frames.filter((f) => f.kind === 'ping'),
    [{ kind: 'ping', id: 5 }],
  );
  assert.deepEqual(errors, []);
});

test('resets: from the client (no error on the server), from the server (CANCEL), refusals', async (t) => {
  const { client, streams } = await pair(t, {
    accept: (headers) => (headers.has('bad') ? 'bad header' : undefined),
  });
  await client.open(1, [['a', ['1']]]);
  await client.open(3, [['a', ['2']]]);
  await client.open(5, [['bad', ['1']]]);
  await client.until(
    'two replies and a refusal',
    () =>
      client.frames.filter((f) => f.kind === 'syn_reply' || f.kind === 'rst_stream').length === 3,
  );
  assert.deepEqual(
    client.frames.find((f) => f.kind === 'rst_stream'),
    { kind: 'rst_stream', streamId: 5, status: RstStatus.refusedStream },
  );
  const [one, three] = streams as [SpdyStream, SpdyStream];
  let failed: unknown;
  one.on('error', (e) => (failed = e));
  const closed = once(one, 'close');
  client.socket.write(encodeRstStream(1, RstStatus.cancel));
  await closed;
  assert.equal(failed, undefined);
  three.destroy();
  await client.until('the reset of 3', () =>
    client.frames.some((f) => f.kind === 'rst_stream' && f.streamId === 3),
  );
  assert.deepEqual(client.frames.filter((f) => f.kind === 'rst_stream').at(-1), {
    kind: 'rst_stream',
    streamId: 3,
    status: RstStatus.cancel,
  });
  // Stream ids must grow: an old one is a protocol error of that stream.
  await client.open(3, [['a', ['3']]]);
  await client.until('its reset', () =>
    client.frames.some((f) => f.kind === 'rst_stream' && f.status === RstStatus.protocolError),
  );
});

test('garbage ends the session: GOAWAY PROTOCOL_ERROR, the streams go, the error has a code', async (t) => {
  const { client, session, streams, errors } = await pair(t);
  await client.open(1, [['a', ['1']]]);
  await client.until('the reply', () => client.frames.some((f) => f.kind === 'syn_reply'));
  const streamClosed = once(streams[0] as SpdyStream, 'close');
  client.socket.write(Buffer.from([0x80, 0x02, 0, 1, 0, 0, 0, 0]));
  await client.until('GOAWAY', () => client.frames.some((f) => f.kind === 'goaway'));
  assert.deepEqual(client.frames.at(-1), {
    kind: 'goaway',
    lastGoodStreamId: 1,
    status: GoAwayStatus.protocolError,
  });
  await streamClosed;
  await (
    await session
  ).closed;
  const [first] = errors;
  assert.ok(first);
  assert.equal(first.code, 'SPDY_PROTOCOL');
  assert.match(first.message, /unsupported SPDY version 2/);
});

test('a header block that is not the zlib stream ends the session too', async (t) => {
  const { client, session, errors } = await pair(t);
  client.socket.write(encodeSynStream(1, Buffer.from('not zlib at all')));
  await (
    await session
  ).closed;
  assert.match(errors[0]?.message ?? '', /cannot decompress a header block/);
});

test('GOAWAY from the client: the session ends once its streams are done', async (t) => {
  const { client, session, streams } = await pair(t);
  await client.open(1, [['a', ['1']]]);
  await client.until('the reply', () => client.frames.some((f) => f.kind === 'syn_reply'));
  client.socket.write(encodeGoAway(1, GoAwayStatus.ok));
  const s = await session;
  (streams[0] as SpdyStream).end();
  client.socket.write(encodeData(1, Buffer.alloc(0), true));
  (streams[0] as SpdyStream).resume();
  await s.closed;
  assert.equal(s.streamCount, 0);
});
