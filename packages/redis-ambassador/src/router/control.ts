import net from 'node:net';
import { ReplyFramer } from '../resp/framer.js';
import { decodeReply, encodeCommand, RespErrorReply, type RespValue } from '../resp/decode.js';
import { ambassadorError, AmbassadorErrorCode } from '../errors.js';
import { formatEndpoint, type Endpoint } from './address.js';

/** Returns the backend password (read from the password file on every call), or undefined. */
export type PasswordSource = () => string | undefined;

/** The bytes of `AUTH <password>` to send first on a new backend connection, if any. */
export function authPreamble(password: PasswordSource | undefined): Buffer | undefined {
  const pw = password?.();
  return pw === undefined || pw === '' ? undefined : encodeCommand(['AUTH', pw]);
}

/**
 * Sends one command to a node on a short-lived connection and decodes the reply: the
 * ambassador's one-off control traffic (COMMAND at start-up). Rejects with
 * AMBASSADOR_UPSTREAM when the node cannot be reached or `signal` aborts.
 */
export async function queryNode(
  endpoint: Endpoint,
  args: readonly string[],
  signal: AbortSignal,
  password?: PasswordSource,
): Promise<RespValue> {
  const conn = new ControlConnection(endpoint, password);
  try {
    return await conn.query(args, signal);
  } finally {
    conn.close();
  }
}

interface Waiter {
  readonly args: readonly string[];
  resolve(v: RespValue): void;
  reject(e: unknown): void;
}

/**
 * A persistent connection for the ambassador's own polling (ROLE, INFO, SENTINEL …): requests
 * are pipelined and answered FIFO; a timeout or error destroys the connection (its replies can
 * no longer be matched) and the next query reconnects. Replies are decoded whole: control
 * replies are small, unlike forwarded data.
 */
export class ControlConnection {
  readonly endpoint: Endpoint;
  private readonly password: PasswordSource | undefined;
  private sock: net.Socket | undefined;
  private framer = new ReplyFramer({ streamThreshold: Number.MAX_SAFE_INTEGER });
  private waiters: Waiter[] = [];
  /** Replies to skip (the AUTH sent on connect). */
  private skip = 0;

  constructor(endpoint: Endpoint, password?: PasswordSource) {
    this.endpoint = endpoint;
    this.password = password;
  }

  /** Sends `args` and resolves with the decoded reply (error replies resolve as RespErrorReply). */
  query(args: readonly string[], signal: AbortSignal): Promise<RespValue> {
    const where = formatEndpoint(this.endpoint);
    return new Promise<RespValue>((resolve, reject) => {
      if (signal.aborted) {
        reject(
          ambassadorError(
            AmbassadorErrorCode.AMBASSADOR_UPSTREAM,
            `${where}: ${args[0] ?? ''} aborted`,
            {
              cause: signal.reason,
            },
          ),
        );
        return;
      }
      const sock = this.socket();
      const onAbort = (): void => {
        // The reply may still come; the stream cannot be kept in step, so start over.
        this.fail(new Error(`${args[0] ?? ''} timed out`), sock);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push({
        args,
        resolve: (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(
            ambassadorError(
              AmbassadorErrorCode.AMBASSADOR_UPSTREAM,
              `${where}: ${args[0] ?? ''} failed`,
              {
                cause: e,
              },
            ),
          );
        },
      });
      sock.write(encodeCommand(args));
    });
  }

  /** Closes the connection; pending queries reject. */
  close(): void {
    if (this.sock) this.fail(new Error('closed'), this.sock);
  }

  private socket(): net.Socket {
    if (this.sock && !this.sock.destroyed) return this.sock;
    const sock = net.connect({ host: this.endpoint.host, port: this.endpoint.port, noDelay: true });
    this.sock = sock;
    this.framer = new ReplyFramer({ streamThreshold: Number.MAX_SAFE_INTEGER });
    this.skip = 0;
    const auth = authPreamble(this.password);
    if (auth) {
      sock.write(auth);
      this.skip = 1;
    }
    sock.on('data', (chunk: Buffer) => {
      if (this.sock !== sock) return;
      this.framer.push(chunk);
      for (let ev = this.framer.next(); ev; ev = this.framer.next()) {
        if (ev.kind === 'error') {
          this.fail(new Error(ev.message), sock);
          return;
        }
        if (ev.type === 0x3e /* push */) continue;
        const value = decodeReply(ev.bytes);
        if (this.skip > 0) {
          this.skip--;
          if (value instanceof RespErrorReply) {
            this.fail(new Error(`AUTH refused: ${value.message}`), sock);
            return;
          }
          continue;
        }
        this.waiters.shift()?.resolve(value);
      }
    });
    sock.on('error', (err) => {
      this.fail(err, sock);
    });
    sock.on('close', () => {
      this.fail(new Error('connection closed'), sock);
    });
    return sock;
  }

  private fail(err: unknown, sock: net.Socket): void {
    if (this.sock !== sock) return;
    this.sock = undefined;
    sock.destroy();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }
}
