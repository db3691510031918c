import { connect, type Socket } from 'node:net';
import { adapterError, AdapterErrorCode } from '../errors.js';

export interface RedisAddress {
  host: string;
  port: number;
}

/** `host:port`, `[::1]:port` or `redis://host:port` (userinfo is refused: use a file). */
export function parseRedisTarget(target: string): RedisAddress {
  let t = target.trim();
  if (t.startsWith('redis://')) t = t.slice('redis://'.length).replace(/\/.*$/, '');
  if (t.includes('@')) {
    throw adapterError(
      AdapterErrorCode.ADAPTER_CONFIG,
      'a Redis target must not carry credentials',
      {
        hint: 'give the password with --password-file (and the ACL user with --username)',
      },
    );
  }
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(t) ?? /^(?:\[([^\]]+)\]|([^:]+))$/.exec(t);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3] ?? '6379');
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, `not a Redis address: "${target}"`, {
      hint: 'use host:port, e.g. 127.0.0.1:6379',
    });
  }
  return { host, port };
}

type Reply =
  | { kind: 'ok'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'bulk'; data: Buffer | null };

/**
 * Reads one RESP reply from `buf` at `cursor`: simple strings, errors and bulk strings, the
 * only replies AUTH and INFO give. Returns undefined until the reply is complete.
 */
export function readReply(buf: Buffer, cursor: number): { reply: Reply; next: number } | undefined {
  const eol = buf.indexOf('\r\n', cursor);
  if (eol < 0) return undefined;
  const head = buf.toString('latin1', cursor + 1, eol);
  switch (buf[cursor]) {
    case 0x2b: // +
      return { reply: { kind: 'ok', text: head }, next: eol + 2 };
    case 0x2d: // -
      return {
        reply: { kind: 'error', text: buf.toString('utf8', cursor + 1, eol) },
        next: eol + 2,
      };
    case 0x24: {
      // $
      const len = Number(head);
      if (len === -1) return { reply: { kind: 'bulk', data: null }, next: eol + 2 };
      if (!Number.isInteger(len) || len < 0)
        throw adapterError(AdapterErrorCode.ADAPTER_UPSTREAM, 'bad RESP bulk length');
      const end = eol + 2 + len;
      if (buf.length < end + 2) return undefined;
      return { reply: { kind: 'bulk', data: buf.subarray(eol + 2, end) }, next: end + 2 };
    }
    default:
      throw adapterError(
        AdapterErrorCode.ADAPTER_UPSTREAM,
        'the server did not answer in RESP (is it Redis?)',
      );
  }
}

function command(args: string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  return Buffer.from(parts.join(''));
}

/**
 * Connects, authenticates when a password is given (`AUTH [username] password`), sends
 * `INFO ALL` and returns its text. One short connection per scrape, like redis_exporter;
 * aborting `signal` (the scrape timeout) destroys it.
 */
export async function redisInfo(
  addr: RedisAddress,
  options: { signal: AbortSignal; password?: string | undefined; username?: string | undefined },
): Promise<string> {
  const commands: Buffer[] = [];
  if (options.password !== undefined) {
    const auth = ['AUTH'];
    if (options.username !== undefined) auth.push(options.username);
    auth.push(options.password);
    commands.push(command(auth));
  }
  commands.push(command(['INFO', 'ALL']));
  const expected = commands.length;

  return new Promise<string>((resolve, reject) => {
    const socket: Socket = connect({ host: addr.host, port: addr.port });
    let buf: Buffer = Buffer.alloc(0);
    let cursor = 0;
    const replies: Reply[] = [];
    const fail = (err: unknown): void => {
      socket.destroy();
      options.signal.removeEventListener('abort', onAbort);
      reject(
        err instanceof Error &&
          'code' in err &&
          typeof err.code === 'string' &&
          err.code.startsWith('ADAPTER_')
          ? err
          : adapterError(
              AdapterErrorCode.ADAPTER_UPSTREAM,
              `redis ${addr.host}:${addr.port}: ${(err as Error).message}`,
              { cause: err },
            ),
      );
    };
    const onAbort = (): void => {
      fail(new Error('timed out'));
    };
    if (options.signal.aborted) {
      onAbort();
      return;
    }
    options.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', fail);
    socket.on('connect', () => {
      socket.write(Buffer.concat(commands));
    });
    socket.on('data', (chunk: Buffer) => {
      buf = cursor === buf.length ? chunk : Buffer.concat([buf.subarray(cursor), chunk]);
      cursor = 0;
      try {
        for (;;) {
          const r = readReply(buf, cursor);
          if (r === undefined) break;
          cursor = r.next;
          replies.push(r.reply);
        }
      } catch (err) {
        fail(err);
        return;
      }
      if (replies.length < expected) return;
      socket.destroy();
      options.signal.removeEventListener('abort', onAbort);
      const failed = replies.find((r) => r.kind === 'error');
      // Redis' own message (e.g. "WRONGPASS invalid username-password pair") never holds the password.
      if (failed !== undefined) {
        fail(
          adapterError(
            AdapterErrorCode.ADAPTER_UPSTREAM,
            `redis ${addr.host}:${addr.port}: ${failed.text}`,
          ),
        );
        return;
      }
      const info = replies.at(-1);
      if (info?.kind !== 'bulk' || info.data === null) {
        fail(adapterError(AdapterErrorCode.ADAPTER_UPSTREAM, 'INFO did not return a bulk string'));
        return;
      }
      resolve(info.data.toString('utf8'));
    });
    socket.on('close', () => {
      if (replies.length < expected) fail(new Error('connection closed'));
    });
  });
}
