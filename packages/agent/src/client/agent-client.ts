import { request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
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
  #send(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          // Connected directly, without an http Agent: the Agent derives a TLS server name by
          // testing the host with isIP, whose first call compiles its IPv6 pattern (~3.5 ms of
          // every CLI command).
          createConnection: () => connect(this.socketPath),
          method,
          path,
          signal,
          headers:
            data === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        },
        resolve,
      );
      req.on('error', (err) => {
        reject(connectionError(err, this.root));
      });
      req.end(data);
    });
  }

  /** A JSON call: the parsed answer, or the agent's error thrown. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.#send(method, path, body);
    const text = await readAll(res);
    if ((res.statusCode ?? 500) >= 300 && res.statusCode !== 202) throw errorOf(text);
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
    if ((res.statusCode ?? 500) >= 300) throw errorOf(await readAll(res));
    let buf = '';
    res.setEncoding('utf8');
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        buf += chunk;
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
    let res: IncomingMessage;
    try {
      res = await this.#send('GET', path, undefined, signal);
    } catch (err) {
      if (signal?.aborted === true) return;
      throw err;
    }
    if ((res.statusCode ?? 500) >= 300) throw errorOf(await readAll(res));
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) onData(chunk);
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
    const done = new Promise<ExecResult>((resolve, reject) => {
      const req = request({
        createConnection: () => connect(this.socketPath),
        method: 'POST',
        path,
        headers: {
          connection: 'Upgrade',
          upgrade: 'podkit-exec',
          'x-podkit-command': JSON.stringify(command),
        },
      });
      req.on('error', (err) => {
        reject(connectionError(err, this.root));
      });
      req.on('response', (res) => {
        void readAll(res).then((t) => {
          reject(errorOf(t));
        });
      });
      req.on('upgrade', (_res, sock, head) => {
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
      req.end();
    });
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

async function readAll(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  return text;
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

function connectionError(err: Error, root: string): PodkitError {
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
    `lost the connection to the podkit agent of ${root}: ${err.message}`,
    {
      cause: err,
      hint: `see ${root}/agent.log`,
    },
  );
}
