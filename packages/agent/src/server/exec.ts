import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NodeRuntime } from '@podkit/runtime/node';
import { callOf, encodeFrame, Frame, FrameDecoder, toWireError } from '../protocol.js';
import { execFinished } from '../exec-finished.js';

/**
 * `POST /v1/pods/NS/NAME/exec?container=C&tty=1&stdin=1&rows=R&cols=C` with
 * `Upgrade: podkit-exec`, the command as a JSON array in the `x-podkit-command` header: runs
 * the command in the container and relays it over frames (see protocol.ts) — stdin from the
 * client, stdout/stderr to it, signals from it, and last its exit code (or an error).
 */
export async function handleExec(
  runtime: NodeRuntime,
  req: IncomingMessage,
  socket: Duplex,
): Promise<void> {
  const { parts, query: q } = callOf(req.url);
  const [, , ns = '', name = ''] = parts;
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: podkit-exec\r\nConnection: Upgrade\r\n\r\n',
  );
  const send = (type: (typeof Frame)[keyof typeof Frame], payload: Buffer | string): void => {
    if (!socket.destroyed) socket.write(encodeFrame(type, payload));
  };
  const finish = (body: unknown): void => {
    send(Frame.exit, JSON.stringify(body));
    socket.end();
  };
  let argv: string[];
  try {
    argv = JSON.parse(String(req.headers['x-podkit-command'] ?? '[]')) as string[];
    if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string'))
      throw new Error('no command');
  } catch {
    finish({ code: 2, error: { code: 'CLI_USAGE', message: 'exec needs a command' } });
    return;
  }
  const num = (k: string): number | undefined => {
    const v = q.get(k);
    return v === null ? undefined : Number(v);
  };
  let proc: Awaited<ReturnType<NodeRuntime['exec']>>;
  try {
    proc = await runtime.exec(ns, name, q.get('container') ?? '', argv, {
      tty: q.get('tty') === '1',
      stdin: q.get('stdin') === '1',
      rows: num('rows'),
      cols: num('cols'),
    });
  } catch (err) {
    finish({ code: 1, error: toWireError(err) });
    return;
  }
  const { child } = proc;
  child.stdout?.on('data', (d: Buffer) => {
    send(Frame.stdout, d);
  });
  child.stderr?.on('data', (d: Buffer) => {
    send(Frame.stderr, d);
  });
  child.stdin?.on('error', () => undefined);
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const f of frames) {
      if (f.type === Frame.stdin) child.stdin?.write(f.payload);
      else if (f.type === Frame.stdinEnd) child.stdin?.end();
      else if (f.type === Frame.signal) {
        try {
          child.kill(f.payload.toString('utf8') as NodeJS.Signals);
        } catch {
          // gone
        }
      }
    }
  });
  socket.on('error', () => undefined);
  // The client went away: the command gets its hang-up, as a closed terminal gives it.
  socket.on('close', () => {
    if (child.exitCode === null) child.kill('SIGHUP');
  });
  const exit = await execFinished(proc);
  finish({ code: exit.code, runcError: exit.runcError });
}
