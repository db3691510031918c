import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyFramer, RequestFramer, type FrameEvent, type FramerLimits } from './framer.js';

type Framer = RequestFramer | ReplyFramer;

interface Collected {
  frames: { bytes: string; type: number; argc: number; args: string[]; pieces: number }[];
  error?: string | undefined;
  maxBuffered: number;
}

/** Feeds `chunks` and reassembles frames from their pieces. */
function collect(framer: Framer, chunks: Buffer[]): Collected {
  const out: Collected = { frames: [], maxBuffered: 0 };
  let parts: Buffer[] = [];
  let head: FrameEvent | undefined;
  for (const chunk of chunks) {
    framer.push(chunk);
    for (let ev = framer.next(); ev; ev = framer.next()) {
      if (ev.kind === 'error') {
        out.error = ev.message;
        return out;
      }
      if (ev.first) {
        assert.equal(parts.length, 0, 'a new frame began before the previous one ended');
        head = ev;
      } else {
        assert.ok(parts.length > 0, 'a continuation piece without a first piece');
      }
      parts.push(ev.bytes);
      if (ev.last) {
        assert.ok(head && head.kind === 'frame');
        out.frames.push({
          bytes: Buffer.concat(parts).toString('latin1'),
          type: head.type,
          argc: head.argc,
          args: head.args.map((a) => a.toString('latin1')),
          pieces: parts.length,
        });
        parts = [];
      }
    }
    out.maxBuffered = Math.max(out.maxBuffered, framer.buffered);
  }
  return out;
}

function splits(data: Buffer, mode: 'whole' | 'bytes' | 'random', seed = 1): Buffer[] {
  if (mode === 'whole') return [data];
  if (mode === 'bytes') return [...data].map((b) => Buffer.from([b]));
  let s = seed;
  const rnd = (): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const out: Buffer[] = [];
  let i = 0;
  while (i < data.length) {
    const n = 1 + Math.floor(rnd() * 40);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

const REPLIES = [
  '+OK\r\n',
  '-ERR unknown command\r\n',
  ':-42\r\n',
  '$5\r\nhello\r\n',
  '$0\r\n\r\n',
  '$-1\r\n',
  '*-1\r\n',
  '*0\r\n',
  '*3\r\n:1\r\n$4\r\na\r\nb\r\n*2\r\n+x\r\n*1\r\n_\r\n',
  '_\r\n',
  ',3.14\r\n',
  ',inf\r\n',
  '#t\r\n',
  '#f\r\n',
  '!21\r\nSYNTAX invalid syntax\r\n',
  '=15\r\ntxt:Some string\r\n',
  '(3492890328409238509324850943850943825024385\r\n',
  '%2\r\n+first\r\n:1\r\n+second\r\n%1\r\n$1\r\nk\r\n~2\r\n:1\r\n:2\r\n',
  '~3\r\n+a\r\n+b\r\n+c\r\n',
  '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n',
  '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n',
  '*2\r\n|1\r\n+ttl\r\n:3600\r\n+inner\r\n:5\r\n',
  '$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n',
  '*?\r\n:1\r\n:2\r\n*?\r\n.\r\n.\r\n',
  '%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n',
  '~?\r\n+x\r\n.\r\n',
  '%0\r\n',
  '|0\r\n+after-empty-attribute\r\n',
];

test('reply framer: every RESP2/RESP3 type, whole, byte by byte and split at random', () => {
  const stream = Buffer.from(REPLIES.join(''), 'latin1');
  for (const mode of ['whole', 'bytes', 'random'] as const) {
    for (let seed = 1; seed <= (mode === 'random' ? 20 : 1); seed++) {
      const got = collect(new ReplyFramer(), splits(stream, mode, seed));
      assert.equal(got.error, undefined, `${mode}: ${String(got.error)}`);
      assert.deepEqual(
        got.frames.map((f) => f.bytes),
        REPLIES,
        `${mode} seed ${seed}`,
      );
    }
  }
  const types = collect(new ReplyFramer(), [stream]).frames.map((f) => String.fromCharCode(f.type));
  assert.equal(types[19], '>');
  assert.equal(types[20], '|');
});

const REQUESTS = [
  '*1\r\n$4\r\nPING\r\n',
  '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n',
  'GET k\r\n',
  "ECHO \"a b\\x41\\n\" 'c\\'d'\n",
  '*2\r\n$4\r\nECHO\r\n$0\r\n\r\n',
];

test('request framer: multibulk and inline, args extracted, empty requests skipped', () => {
  // Empty requests (blank inline lines, *0, *-1) get no reply from Redis, so they yield no frame.
  const stream = Buffer.from(
    REQUESTS[0]! +
      '\r\n' +
      REQUESTS[1]! +
      '*0\r\n' +
      REQUESTS[2]! +
      '   \n' +
      '*-5\r\n' +
      REQUESTS[3]! +
      REQUESTS[4]!,
    'latin1',
  );
  for (const mode of ['whole', 'bytes', 'random'] as const) {
    for (let seed = 1; seed <= (mode === 'random' ? 20 : 1); seed++) {
      const got = collect(new RequestFramer(), splits(stream, mode, seed));
      assert.equal(got.error, undefined);
      assert.deepEqual(
        got.frames.map((f) => f.bytes),
        REQUESTS,
        `${mode} seed ${seed}`,
      );
      assert.deepEqual(
        got.frames.map((f) => f.args),
        [['PING'], ['SET', 'k', 'value'], ['GET', 'k'], ['ECHO', 'a bA\n', "c'd"], ['ECHO', '']],
      );
      assert.deepEqual(
        got.frames.map((f) => f.argc),
        [1, 3, 2, 3, 2],
      );
    }
  }
});

test('request framer: only the first maxArgs arguments are handed out', () => {
  const got = collect(new RequestFramer({ maxArgs: 2 }), [
    Buffer.from('*4\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n'),
  ]);
  assert.deepEqual(got.frames[0]!.args, ['MSET', 'a']);
  assert.equal(got.frames[0]!.argc, 4);
});

test('request framer: a huge bulk is streamed in pieces with bounded buffering', () => {
  const limits: FramerLimits = { streamThreshold: 4096 };
  const body = Buffer.alloc(1_000_000, 0x61);
  const head = Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${body.length}\r\n`);
  const stream = Buffer.concat([head, body, Buffer.from('\r\n*1\r\n$4\r\nPING\r\n')]);
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length; i += 1000) chunks.push(stream.subarray(i, i + 1000));
  const got = collect(new RequestFramer(limits), chunks);
  assert.equal(got.error, undefined);
  assert.equal(got.frames.length, 2);
  assert.equal(got.frames[0]!.bytes, stream.subarray(0, stream.length - 14).toString('latin1'));
  assert.ok(got.frames[0]!.pieces > 100, `pieces: ${got.frames[0]!.pieces}`);
  assert.deepEqual(got.frames[0]!.args, ['SET', 'big']);
  // Never more than a threshold plus one chunk held, although the frame is 1 MB.
  assert.ok(got.maxBuffered <= 4096 + 1000, `buffered ${got.maxBuffered}`);
  assert.equal(got.frames[1]!.bytes, '*1\r\n$4\r\nPING\r\n');
});

test('reply framer: a huge nested reply is streamed with bounded buffering', () => {
  const big = Buffer.alloc(300_000, 0x62);
  const stream = Buffer.concat([
    Buffer.from(`*3\r\n$${big.length}\r\n`),
    big,
    Buffer.from(`\r\n$${big.length}\r\n`),
    big,
    Buffer.from('\r\n:7\r\n+OK\r\n'),
  ]);
  for (const size of [1, 7, 1000, 65536]) {
    if (size === 1) continue; // 600 KB byte by byte is slow and adds nothing over 7
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
    const got = collect(new ReplyFramer({ streamThreshold: 8192 }), chunks);
    assert.equal(got.error, undefined);
    assert.equal(got.frames.length, 2);
    assert.equal(got.frames[0]!.bytes.length, stream.length - 5);
    assert.equal(got.frames[1]!.bytes, '+OK\r\n');
    assert.ok(got.maxBuffered <= 8192 + size, `buffered ${got.maxBuffered} with chunks of ${size}`);
  }
});

test('reply framer: nesting depth limit, bad type byte, bad lengths', () => {
  const deep = '*1\r\n'.repeat(5) + ':1\r\n';
  assert.equal(collect(new ReplyFramer({ maxDepth: 5 }), [Buffer.from(deep)]).frames.length, 1);
  assert.match(
    collect(new ReplyFramer({ maxDepth: 4 }), [Buffer.from(deep)]).error ?? '',
    /nested too deeply/,
  );
  assert.match(
    collect(new ReplyFramer(), [Buffer.from('@x\r\n')]).error ?? '',
    /reply type byte '@'/,
  );
  assert.match(
    collect(new ReplyFramer(), [Buffer.from('$-2\r\n')]).error ?? '',
    /invalid bulk length/,
  );
  assert.match(
    collect(new ReplyFramer({ maxBulkLength: 10 }), [Buffer.from('$11\r\n')]).error ?? '',
    /invalid bulk length/,
  );
  assert.match(
    collect(new ReplyFramer(), [Buffer.from('%-1\r\n')]).error ?? '',
    /invalid multibulk/,
  );
  assert.match(collect(new ReplyFramer(), [Buffer.from('$1\r\nab\r\n')]).error ?? '', /CRLF/);
  assert.match(collect(new ReplyFramer(), [Buffer.from('.\r\n')]).error ?? '', /unexpected '\.'/);
});

test('request framer: protocol errors carry Redis wording', () => {
  const cases: [string, string][] = [
    ['*x\r\n', 'Protocol error: invalid multibulk length'],
    ['*3000000000\r\n', 'Protocol error: invalid multibulk length'],
    ['*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\nfoo\r\n', "Protocol error: expected '$', got 'f'"],
    ['*1\r\n\r\n', "Protocol error: expected '$', got ' '"],
    ['SET "a\r\n', 'Protocol error: unbalanced quotes in request'],
    ['ECHO "a"b\r\n', 'Protocol error: unbalanced quotes in request'],
    ['x'.repeat(70_000), 'Protocol error: too big inline request'],
    ['*1' + '1'.repeat(70_000), 'Protocol error: too big mbulk count string'],
  ];
  for (const [input, message] of cases) {
    for (const mode of ['whole', 'random'] as const) {
      const got = collect(new RequestFramer(), splits(Buffer.from(input, 'latin1'), mode));
      assert.equal(got.error, message, JSON.stringify(input.slice(0, 20)));
    }
  }
  // Bulk lengths above the configured limit are refused like Redis' proto-max-bulk-len.
  const limited = collect(new RequestFramer({ maxBulkLength: 3 }), [
    Buffer.from('*1\r\n$4\r\nPING\r\n'),
  ]);
  assert.equal(limited.error, 'Protocol error: invalid bulk length');
});
