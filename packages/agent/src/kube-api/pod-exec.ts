/**
 * `pods/exec` (and `pods/attach`'s refusal) over WebSocket, as kubectl ≥ 1.30 asks for it:
 * `GET …/pods/NAME/exec?command=…&container=…&stdin=…&tty=…` upgraded with subprotocol
 * `v5.channel.k8s.io` (or `v4.channel.k8s.io`). The command runs through the runtime's exec
 * (what `podkit exec` runs: runc exec, in a pseudo-terminal with `tty`); its streams travel in
 * channel messages (channels.ts) and its end is a Status on the error channel.
 *
 * Refusals before the upgrade are answered as HTTP with a Status body — which is also what a
 * client falling back to SPDY gets: SPDY is not served.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { PodkitError } from '@podkit/kit';
import type { NodeRuntime } from '@podkit/runtime/node';
import {
  Channel,
  chooseProtocol,
  decodeChannel,
  decodeResize,
  encodeChannel,
  exitStatus,
} from './channels.js';
import { requestedContainer } from './pod-log.js';
import { failure, KubeApiError, notFound, refuse, type Status } from './status.js';
import { execFinished } from '../exec-finished.js';

export type ExecRuntime = Pick<NodeRuntime, 'find' | 'exec'>;

/** How long a terminal session waits for the client's first size before it starts anyway. */
const FIRST_SIZE_MS = 2000;

/** One WebSocket server for every upgrade: it only does the handshake (no listener of its own). */
const sockets = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  // A client's message is stdin or a resize: 1 MiB is more than any sends at once.
  maxPayload: 1024 * 1024,
  handleProtocols: (offered) => chooseProtocol(offered) ?? false,
});

/** Answers an upgrade request with a Status and closes it. */
export function rejectUpgrade(socket: Duplex, status: Status): void {
  const body = JSON.stringify(status);
  const text = `HTTP/1.1 ${String(status.code)} ${status.reason ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${String(Buffer.byteLength(body))}\r\nconnection: close\r\n\r\n${body}`;
  socket.end(text);
}

function flag(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  return v === 'true' || v === '1';
}

function isWebSocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** The refusal of an upgrade this API does not speak (SPDY, or no known subprotocol). */
export function unsupportedUpgrade(what: string): Status {
  return failure(
    'BadRequest',
    `podkit serves ${what} over WebSocket only (subprotocol v5.channel.k8s.io or v4.channel.k8s.io); SPDY is not supported: use kubectl 1.30 or later`,
  );
}

export async function serveExec(
  rt: ExecRuntime,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  query: URLSearchParams,
  namespace: string,
  name: string,
  log: (line: string) => void,
): Promise<void> {
  const record = await rt.find(namespace, name);
  if (record === undefined) throw new KubeApiError(notFound('pods', name));
  const container = requestedContainer(record, query.get('container'));
  const argv = query.getAll('command');
  if (argv.length === 0)
    refuse('BadRequest', 'you must specify at least one command for the container');
  const tty = flag(query, 'tty');
  const stdin = flag(query, 'stdin');
  if (
    !isWebSocket(req) ||
    chooseProtocol(
      (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()),
    ) === undefined
  )
    throw new KubeApiError(unsupportedUpgrade('exec'));
  const ws = await new Promise<WebSocket>((resolve) => {
    sockets.handleUpgrade(req, socket, head, resolve);
  });
  await relay(ws, rt, { namespace, name, container, argv, tty, stdin }, log);
}

interface ExecTarget {
  namespace: string;
  name: string;
  container: string;
  argv: string[];
  tty: boolean;
  stdin: boolean;
}

async function relay(
  ws: WebSocket,
  rt: ExecRuntime,
  t: ExecTarget,
  log: (line: string) => void,
): Promise<void> {
  const send = (channel: number, data: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(encodeChannel(channel, data));
  };
  const finish = (status: object): void => {
    send(Channel.error, JSON.stringify(status));
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };
  // Until the command runs, the client's messages wait (a terminal's first size, early stdin).
  const early: Buffer[] = [];
  let onMessage: (m: Buffer) => void = (m) => early.push(m);
  let firstSize: ((s: { cols: number; rows: number } | undefined) => void) | undefined;
  ws.on('message', (m: Buffer) => {
    const msg = decodeChannel(m);
    if (msg?.channel === Channel.resize && firstSize !== undefined) {
      firstSize(decodeResize(msg.data));
      firstSize = undefined;
      return;
    }
    onMessage(m);
  });
  ws.on('error', () => undefined);
  let size: { cols: number; rows: number } | undefined;
  if (t.tty) {
    // The terminal's size goes to script(1) at its start: a later resize is not passed on.
    size = await new Promise((resolve) => {
      const timer = setTimeout(resolve, FIRST_SIZE_MS, undefined);
      firstSize = (s) => {
        clearTimeout(timer);
        resolve(s);
      };
      ws.once('close', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    firstSize = undefined;
    if (ws.readyState !== ws.OPEN) return;
  }
  let proc: Awaited<ReturnType<ExecRuntime['exec']>>;
  try {
    proc = await rt.exec(t.namespace, t.name, t.container, t.argv, {
      tty: t.tty,
      stdin: t.stdin,
      rows: size?.rows,
      cols: size?.cols,
    });
  } catch (err) {
    // CONTAINER_NOT_RUNNING and the like: kubectl prints the message.
    finish(
      err instanceof PodkitError
        ? failure('BadRequest', err.message)
        : failure('InternalError', err instanceof Error ? err.message : String(err)),
    );
    return;
  }
  const { child } = proc;
  child.stdout?.on('data', (d: Buffer) => {
    send(Channel.stdout, d);
  });
  // With a terminal, script(1) merges the command's stderr into stdout (as a tty does).
  child.stderr?.on('data', (d: Buffer) => {
    send(Channel.stderr, d);
  });
  child.stdin?.on('error', () => undefined);
  onMessage = (m) => {
    const msg = decodeChannel(m);
    if (msg === undefined) return;
    if (msg.channel === Channel.stdin) child.stdin?.write(msg.data);
    else if (msg.channel === Channel.close && msg.data[0] === Channel.stdin) child.stdin?.end();
  };
  for (const m of early.splice(0)) onMessage(m);
  // The client went away: the command gets its hang-up, as a closed terminal gives it.
  ws.on('close', () => {
    if (child.exitCode === null) child.kill('SIGHUP');
  });
  const exit = await execFinished(proc);
  if (exit.runcError !== undefined && exit.code !== 0)
    log(`kube-api: exec in ${t.namespace}/${t.name}/${t.container}: ${exit.runcError}`);
  finish(exitStatus(exit.code, t.argv));
}
