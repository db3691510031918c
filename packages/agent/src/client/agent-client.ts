import { connect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { PodkitError } from '@podkit/kit';
import {
  agentSocketPath,
  encodeFrame,
  Frame,
  FrameDecoder,
  fromWireError,
  type AgentInfo,
  type WireError,
} from '../protocol.js';
import { AgentErrorCode, agentError } from '../errors.js';
import { http1Request, type Http1Response } from './http1.js';

/** How an exec ended: the command's exit code, or runc's own error. */
export interface ExecResult {
  code: number;
  runcError?: string | undefined;
}

/** The streams of an exec the caller relays. */
export interface ExecIo {
  stdout: (data: Buffer) => void;
  stderr: (data: Buffer) => void;
}

/** An exec in progress. */
export interface ExecSession {
  write(data: Buffer): void;
  endInput(): void;
  signal(sig: NodeJS.Signals): void;
  readonly done: Promise<ExecResult>;
}

/**
 * The CLI's side of the agent's channel (protocol.ts). Every call is a request over the
 * agent's unix socket; an error the agent answers is rethrown as the PodkitError it was, with
 * its stable code, message and hint.
 */
export class AgentClient {
  readonly root: string;
  readonly socketPath: string;

  constructor(root: string) {
    this.root = root;
    this.socketPath = agentSocketPath(root);
  }

  /** Sends a request; resolves with the response once its headers are in. */
  async #send(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<Http1Response> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    try {
      return await http1Request(this.socketPath, {
        method,
        path,
        signal,
        body: data,
        headers: data === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      });
    } catch (err) {
      if (signal?.aborted === true) throw err;
      throw connectionError(err, this.root);
    }
  }

  /** A JSON call: the parsed answer, or the agent's error thrown. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.#send(method, path, body);
    const text = await readAll(res);
    if (res.status >= 300 && res.status !== 202) throw errorOf(text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** A newline-delimited JSON call: each line to `onLine`; throws the agent's error. */
  async stream(
    method: string,
    path: string,
    body: unknown,
    onLine: (value: Record<string, unknown>) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const res = await this.#send(method, path, body, signal);
    if (res.status >= 300) throw errorOf(await readAll(res));
    let buf = '';
    const utf8 = new StringDecoder('utf8');
    try {
      for await (const chunk of res.body) {
        buf += utf8.write(chunk);
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === '') continue;
          const value = JSON.parse(line) as Record<string, unknown>;
          if (value.type === 'error') throw fromWireError(value.error as WireError);
          onLine(value);
        }
      }
    } catch (err) {
      if (signal?.aborted === true) return;
      throw err;
    }
  }

  /** Raw bytes of a streamed answer (logs) to `onData`, until it ends or `signal` aborts. */
  async bytes(path: string, onData: (data: Buffer) => void, signal?: AbortSignal): Promise<void> {
    let res: Http1Response;
    try {
      res = await this.#send('GET', path, undefined, signal);
    } catch (err) {
      if (signal?.aborted === true) return;
      throw err;
    }
    if (res.status >= 300) throw errorOf(await readAll(res));
    try {
      for await (const chunk of res.body) onData(chunk);
    } catch (err) {
      if (signal?.aborted === true) return;
      throw err;
    }
  }

  info(): Promise<AgentInfo> {
    return this.call<AgentInfo>('GET', '/v1/agent');
  }

  /**
   * Runs a command in a container through the agent, relaying its output to `io`; `input`
   * and `signal` of the session feed it.
   */
  exec(
    query: Record<string, string | undefined>,
    command: readonly string[],
    io: ExecIo,
  ): ExecSession {
    const qs = new URLSearchParams(
      Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
    );
    const path = `/v1/pods/${encodeURIComponent(query.namespace ?? '')}/${encodeURIComponent(query.name ?? '')}/exec?${qs.toString()}`;
    let socket: Socket | undefined;
    const pending: Buffer[] = [];
    const send = (frame: Buffer): void => {
      if (socket === undefined) pending.push(frame);
      else socket.write(frame);
    };
    const done = (async (): Promise<ExecResult> => {
      const res = await this.#send('POST', path, undefined, undefined, {
        connection: 'Upgrade',
        upgrade: 'podkit-exec',
        'x-podkit-command': JSON.stringify(command),
      });
      if (res.upgrade === undefined) throw errorOf(await readAll(res));
      const { socket: sock, head } = res.upgrade;
      return new Promise<ExecResult>((resolve, reject) => {
        socket = sock;
        const decoder = new FrameDecoder();
        let result: ExecResult | undefined;
        const onData = (chunk: Buffer): void => {
          for (const f of decoder.push(chunk)) {
            if (f.type === Frame.stdout) io.stdout(f.payload);
            else if (f.type === Frame.stderr) io.stderr(f.payload);
            else if (f.type === Frame.exit) {
              const body = JSON.parse(f.payload.toString('utf8')) as ExecResult & {
                error?: WireError;
              };
              if (body.error !== undefined) {
                reject(fromWireError(body.error));
                return;
              }
              result = { code: body.code, runcError: body.runcError };
            }
          }
        };
        if (head.length > 0) onData(head);
        sock.on('data', onData);
        sock.resume();
        sock.on('error', () => undefined);
        sock.on('close', () => {
          if (result !== undefined) resolve(result);
          else
            reject(
              agentError(AgentErrorCode.AGENT_LOST, 'the podkit agent closed the exec session', {
                hint: `see ${this.root}/agent.log`,
              }),
            );
        });
        for (const f of pending.splice(0)) sock.write(f);
      });
    })();
    done.catch(() => undefined);
    return {
      write: (data) => {
        send(encodeFrame(Frame.stdin, data));
      },
      endInput: () => {
        send(encodeFrame(Frame.stdinEnd, Buffer.alloc(0)));
      },
      signal: (sig) => {
        send(encodeFrame(Frame.signal, sig));
      },
      done,
    };
  }

  /** True when an agent answers on the socket. */
  async alive(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = connect(this.socketPath);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        resolve(false);
      });
    });
  }
}

async function readAll(res: Http1Response): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of res.body) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

function errorOf(text: string): PodkitError {
  try {
    const body = JSON.parse(text) as { error?: WireError };
    if (body.error !== undefined) return fromWireError(body.error);
  } catch {
    // not JSON
  }
  return agentError(
    AgentErrorCode.AGENT_PROTOCOL,
    `unexpected answer from the podkit agent: ${text.slice(0, 200)}`,
  );
}

function connectionError(err: unknown, root: string): PodkitError {
  if (err instanceof PodkitError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') {
    return agentError(
      AgentErrorCode.AGENT_ACCESS_DENIED,
      `cannot talk to the podkit agent of ${root} as uid ${process.geteuid?.() ?? -1}`,
      {
        cause: err,
        hint: 'run it with sudo or as root',
      },
    );
  }
  return agentError(
    AgentErrorCode.AGENT_LOST,
    `lost the connection to the podkit agent of ${root}: ${message}`,
    {
      cause: err,
      hint: `see ${root}/agent.log`,
    },
  );
}
