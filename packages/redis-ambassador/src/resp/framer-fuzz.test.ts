import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReplyFramer, RequestFramer, type FramerLimits } from './framer.js';
import { encodeCommand } from './decode.js';

/*
 * Property-based tests of both framers (fast-check): valid streams split anywhere come out
 * frame for frame, byte for byte; random, truncated, huge-length and deeply nested input never
 * throws, never holds more than a bounded number of bytes, and fails only with Redis' wording.
 */

type Framer = RequestFramer | ReplyFramer;

interface Run {
  frames: Buffer[];
  firstArgs: string[][];
  error: string | undefined;
  maxBuffered: number;
}

function feed(framer: Framer, chunks: readonly Buffer[]): Run {
  const run: Run = { frames: [], firstArgs: [], error: undefined, maxBuffered: 0 };
  let parts: Buffer[] = [];
  for (const chunk of chunks) {
    framer.push(chunk);
    for (let ev = framer.next(); ev; ev = framer.next()) {
      if (ev.kind === 'error') {
        run.error = ev.message;
        return run;
      }
      if (ev.first) run.firstArgs.push(ev.args.map((a) => a.toString('latin1')));
      parts.push(ev.bytes);
      if (ev.last) {
        run.frames.push(Buffer.concat(parts));
        parts = [];
      }
    }
    run.maxBuffered = Math.max(run.maxBuffered, framer.buffered);
  }
  return run;
}

/** Cuts `data` at the given (sorted, deduplicated) offsets. */
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

const arg = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const requestArb = fc.array(arg, { minLength: 1, maxLength: 6 });
const cutPoints = fc.array(fc.nat(), { maxLength: 30 });

/** A RESP3 value as its wire bytes, generated recursively (depth bounded by fast-check). */
const replyArb: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'grapheme-ascii' }).map((s) => `+${s.replace(/[\r\n]/g, '')}\r\n`),
    fc.string({ unit: 'grapheme-ascii' }).map((s) => `-ERR ${s.replace(/[\r\n]/g, '')}\r\n`),
    fc.integer().map((n) => `:${n}\r\n`),
    fc.string({ unit: 'binary-ascii' }).map((s) => `$${s.length}\r\n${s}\r\n`),
    fc.constantFrom(
      '$-1\r\n',
      '*-1\r\n',
      '_\r\n',
      '#t\r\n',
      ',1.5\r\n',
      '(12345678901234567890\r\n',
    ),
    fc.string({ unit: 'binary-ascii' }).map((s) => `=${s.length + 4}\r\ntxt:${s}\r\n`),
    fc
      .array(fc.string({ unit: 'binary-ascii', minLength: 1 }), { maxLength: 3 })
      .map((parts) => `$?\r\n${parts.map((p) => `;${p.length}\r\n${p}\r\n`).join('')};0\r\n`),
    fc
      .tuple(fc.constantFrom('*', '~', '>'), fc.array(tie('value'), { maxLength: 4 }))
      .map(([t, xs]) => `${t}${xs.length}\r\n${xs.join('')}`),
    fc.array(tie('value'), { maxLength: 4 }).map((xs) => `*?\r\n${xs.join('')}.\r\n`),
    fc
      .array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 })
      .map((kv) => `%${kv.length}\r\n${kv.map(([k, v]) => k + v).join('')}`),
    fc
      .tuple(tie('value'), tie('value'), tie('value'))
      .map(([k, v, owner]) => `|1\r\n${k}${v}${owner}`),
  ),
})).value;

const RUNS = { numRuns: 300 };

test('fuzz: valid requests split at arbitrary points come out unchanged, args included', () => {
  fc.assert(
    fc.property(fc.array(requestArb, { minLength: 1, maxLength: 20 }), cutPoints, (reqs, pts) => {
      const bytes = reqs.map((r) => encodeCommand(r));
      const stream = Buffer.concat(bytes);
      const run = feed(new RequestFramer(), cut(stream, pts));
      assert.equal(run.error, undefined);
      assert.deepEqual(run.frames, bytes);
      assert.deepEqual(
        run.firstArgs,
        reqs.map((r) => r.slice(0, 3).map((a) => a.toString('latin1'))),
      );
    }),
    RUNS,
  );
});

test('fuzz: valid RESP2/RESP3 replies split at arbitrary points come out unchanged', () => {
  fc.assert(
    fc.property(fc.array(replyArb, { minLength: 1, maxLength: 10 }), cutPoints, (replies, pts) => {
      const bytes = replies.map((r) => Buffer.from(r, 'latin1'));
      const run = feed(new ReplyFramer(), cut(Buffer.concat(bytes), pts));
      assert.equal(run.error, undefined);
      assert.deepEqual(run.frames, bytes);
    }),
    RUNS,
  );
});

/** What a framer may hold at most: a line/threshold's worth plus the chunk just pushed. */
function bound(limits: FramerLimits, chunk: number): number {
  return Math.max(limits.maxInlineSize ?? 64 * 1024, limits.streamThreshold ?? 256 * 1024) + chunk;
}

const LIMITS: FramerLimits = { maxInlineSize: 1024, streamThreshold: 2048, maxDepth: 16 };
const ERROR_WORDING = /^Protocol error: /;

test('fuzz: random bytes never throw, buffer at most a bounded amount, fail with Redis wording', () => {
  const noise = fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 12 });
  fc.assert(
    fc.property(noise, fc.boolean(), (chunks, asReplies) => {
      const framer = asReplies ? new ReplyFramer(LIMITS) : new RequestFramer(LIMITS);
      const run = feed(
        framer,
        chunks.map((c) => Buffer.from(c)),
      );
      assert.ok(run.maxBuffered <= bound(LIMITS, 600), `held ${run.maxBuffered} bytes`);
      if (run.error !== undefined) assert.match(run.error, ERROR_WORDING);
    }),
    { numRuns: 1000 },
  );
});

test('fuzz: truncated frames give no frame and no error, and hold only what they were sent', () => {
  fc.assert(
    fc.property(
      requestArb,
      fc.array(replyArb, { minLength: 1, maxLength: 3 }),
      fc.nat(),
      (req, replies, at) => {
        const request = encodeCommand(req);
        const reply = Buffer.from(replies.join(''), 'latin1');
        const firstReply = Buffer.from(replies[0] ?? '', 'latin1');
        // Any strict prefix of a request is incomplete: nothing comes out, nothing fails.
        const reqPrefix = request.subarray(0, at % request.length);
        const r1 = feed(new RequestFramer(), cut(reqPrefix, [at >> 3, at >> 5]));
        assert.equal(r1.error, undefined);
        assert.deepEqual(r1.frames, []);
        // A prefix of a reply stream yields exactly the replies it holds whole.
        const cutAt = at % (reply.length + 1);
        const r2 = feed(new ReplyFramer(), [reply.subarray(0, cutAt)]);
        assert.equal(r2.error, undefined);
        const whole = replies.filter(
          (_, i) => replies.slice(0, i + 1).join('').length <= cutAt,
        ).length;
        assert.equal(r2.frames.length, whole);
        if (cutAt < firstReply.length) assert.equal(r2.frames.length, 0);
        assert.ok(r2.maxBuffered <= reply.length);
      },
    ),
    RUNS,
  );
});

test('fuzz: huge announced lengths are streamed (bounded memory) or refused like Redis', () => {
  const limits: FramerLimits = { streamThreshold: 4096 };
  fc.assert(
    fc.property(
      fc.oneof(
        fc.integer({ min: 65_536, max: 512 * 1024 * 1024 }),
        fc.integer({ min: 512 * 1024 * 1024 + 1, max: Number.MAX_SAFE_INTEGER }),
        fc.bigInt({ min: 10n ** 16n, max: 10n ** 30n }),
      ),
      fc.integer({ min: 16, max: 9000 }),
      fc.constantFrom('request-bulk', 'request-count', 'reply-bulk', 'reply-array'),
      (len, chunkSize, where) => {
        const n = String(len);
        const head = {
          'request-bulk': `*2\r\n$3\r\nSET\r\n$${n}\r\n`,
          'request-count': `*${n}\r\n`,
          'reply-bulk': `$${n}\r\n`,
          'reply-array': `*${n}\r\n`,
        }[where];
        // The header, then 16 KiB of body in chunks of `chunkSize` (far less than announced).
        const body = Buffer.alloc(16 * 1024, 0x2b);
        const chunks = [Buffer.from(head)];
        for (let i = 0; i < body.length; i += chunkSize)
          chunks.push(body.subarray(i, i + chunkSize));
        const framer = where.startsWith('request')
          ? new RequestFramer(limits)
          : new ReplyFramer(limits);
        const run = feed(framer, chunks);
        assert.deepEqual(run.frames, [], 'no frame can be complete');
        assert.ok(run.maxBuffered <= bound(limits, chunkSize), `held ${run.maxBuffered}`);
        const tooBig = typeof len === 'bigint' || len > 512 * 1024 * 1024;
        if (where === 'request-bulk' || where === 'reply-bulk') {
          // Over proto-max-bulk-len (512 MiB): refused with Redis' message; else streamed.
          assert.equal(run.error, tooBig ? 'Protocol error: invalid bulk length' : undefined);
        } else if (where === 'request-count') {
          // Redis refuses a multibulk count above INT_MAX (1024*1024 in 7.2 when unauthenticated).
          // Else, like Redis, it waits for the next line's '\r' (16 KiB is under the 64 KiB
          // line limit), holding a bounded amount.
          const over = typeof len === 'bigint' || len > 2147483647;
          assert.equal(run.error, over ? 'Protocol error: invalid multibulk length' : undefined);
        } else if (run.error !== undefined) {
          // An array of `+` lines would be fine; 16 KiB of '+' is one long line.
          assert.match(run.error, ERROR_WORDING);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('fuzz: deeply nested replies fail at the depth limit, never by overflowing the stack', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20_000 }),
      fc.constantFrom('*1\r\n', '~1\r\n', '>1\r\n', '%1\r\n+k\r\n', '|1\r\n+a\r\n+b\r\n', '*?\r\n'),
      fc.integer({ min: 7, max: 4096 }),
      (depth, open, chunkSize) => {
        const data = Buffer.from(open.repeat(depth) + ':1\r\n');
        const chunks: Buffer[] = [];
        for (let i = 0; i < data.length; i += chunkSize)
          chunks.push(data.subarray(i, i + chunkSize));
        const run = feed(new ReplyFramer({ maxDepth: 64, streamThreshold: 8192 }), chunks);
        if (depth > 64) assert.equal(run.error, 'Protocol error: reply nested too deeply');
        else assert.equal(run.error, undefined);
        assert.ok(run.maxBuffered <= 8192 + chunkSize, `held ${run.maxBuffered}`);
      },
    ),
    { numRuns: 200 },
  );
});
