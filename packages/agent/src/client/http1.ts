/**
 * HTTP/1.1 on the agent's unix socket, for the CLI: the requests the client makes and the
 * answers the agent's server (Node's http) sends — a status line and header fields, then a
 * body framed by content-length, by chunks (every streamed answer: apply, watch, delete,
 * logs) or by the end of the connection, or `101 Switching Protocols` (exec).
 *
 * Why not node:http: a CLI process loads and first uses Node's http client for one or two
 * requests, and that costs more of a `podkit up -d` than this whole module (docs/benchmarks.md,
 * pod start). One request per connection (`Connection: close`): no pooling, no keep-alive.
 */
import { connect, type Socket } from 'node:net';
import { isPodkitError } from '@podkit/kit';
import { AgentErrorCode, agentError } from '../errors.js';

/** Longest status line + header section accepted (Node's own limit is 16 KiB). */
const MAX_HEAD = 64 * 1024;
/** Longest chunk-size line (with extensions) or trailer field accepted. */
const MAX_LINE = 4096;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/** What the parser found, in order: one head, its body's bytes, then the end. */
export type ResponseEvent =
  | { type: 'head'; status: number; headers: ReadonlyMap<string, string> }
  | { type: 'data'; data: Buffer }
  /** The message is complete; `rest` is what followed it (after a 101: the new protocol). */
  | { type: 'end'; rest: Buffer };

type State =
  | { at: 'head' }
  | { at: 'length'; left: number }
  | { at: 'chunk-size' }
  | { at: 'chunk-data'; left: number }
  | { at: 'chunk-crlf' }
  | { at: 'trailers' }
  | { at: 'close' }
  | { at: 'done' };

function protocolError(message: string): Error {
  return agentError(
    AgentErrorCode.AGENT_PROTOCOL,
    `unexpected answer from the podkit agent: ${message}`,
  );
}

/**
 * An incremental parser of one HTTP/1.1 response over a byte stream, fed in pieces of any
 * size. Body bytes are views of the input (no copies, no strings); only the head and the
 * chunk-size lines are read as text. Throws an AGENT_PROTOCOL error on a malformed response.
 *
 * @example
 *   const p = new ResponseParser();
 *   for (const e of p.push(chunk)) if (e.type === 'data') use(e.data);
 *   p.finish(); // at the connection's end: its last events, or an error if cut short
 */
export class ResponseParser {
  #state: State = { at: 'head' };
  /** Bytes not consumed yet (a head, a size line or a CRLF split between pushes). */
  #pending: Buffer = Buffer.alloc(0);

  /** True once the whole message was read. */
  get done(): boolean {
    return this.#state.at === 'done';
  }

  push(chunk: Buffer): ResponseEvent[] {
    const out: ResponseEvent[] = [];
    const buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let cursor = 0;
    for (;;) {
      const state = this.#state;
      if (state.at === 'done') {
        // Nothing may follow a complete answer on a connection of one request, except the
        // bytes of an upgraded protocol, already handed over in `end`.
        cursor = buf.length;
        break;
      }
      if (state.at === 'head') {
        const end = buf.indexOf(HEAD_END, cursor);
        if (end < 0) {
          if (buf.length - cursor > MAX_HEAD) throw protocolError('a header section over 64 KiB');
          break;
        }
        const head = this.#head(buf.toString('latin1', cursor, end));
        cursor = end + HEAD_END.length;
        out.push(head.event);
        this.#state = head.next;
        if (head.next.at === 'done') {
          out.push({ type: 'end', rest: buf.subarray(cursor) });
          cursor = buf.length;
          break;
        }
        continue;
      }
      if (state.at === 'length' || state.at === 'chunk-data') {
        const n = Math.min(state.left, buf.length - cursor);
        if (n > 0) out.push({ type: 'data', data: buf.subarray(cursor, cursor + n) });
        cursor += n;
        state.left -= n;
        if (state.left > 0) break;
        if (state.at === 'length') {
          this.#state = { at: 'done' };
          out.push({ type: 'end', rest: buf.subarray(cursor) });
          cursor = buf.length;
          break;
        }
        this.#state = { at: 'chunk-crlf' };
        continue;
      }
      if (state.at === 'close') {
        if (cursor < buf.length) out.push({ type: 'data', data: buf.subarray(cursor) });
        cursor = buf.length;
        break;
      }
      // A line: a chunk size, the CRLF after a chunk's data, or a trailer field.
      const eol = buf.indexOf(CRLF, cursor);
      if (eol < 0) {
        if (buf.length - cursor > MAX_LINE) throw protocolError('a chunk line over 4 KiB');
        break;
      }
      const line = buf.toString('latin1', cursor, eol);
      cursor = eol + CRLF.length;
      if (state.at === 'chunk-crlf') {
        if (line !== '') throw protocolError('no CRLF after a chunk');
        this.#state = { at: 'chunk-size' };
      } else if (state.at === 'chunk-size') {
        const size = /^([0-9a-fA-F]{1,8})[ \t]*(;.*)?$/.exec(line)?.[1];
        if (size === undefined) throw protocolError(`a bad chunk size ${JSON.stringify(line)}`);
        const left = Number.parseInt(size, 16);
        this.#state = left === 0 ? { at: 'trailers' } : { at: 'chunk-data', left };
      } else if (line === '') {
        // The empty line after the last chunk's trailer fields (none, from Node's server).
        this.#state = { at: 'done' };
        out.push({ type: 'end', rest: buf.subarray(cursor) });
        cursor = buf.length;
        break;
      }
    }
    this.#pending = cursor >= buf.length ? Buffer.alloc(0) : buf.subarray(cursor);
    return out;
  }

  /** The connection ended: a body read until the close ends here; anything else is cut short. */
  finish(): ResponseEvent[] {
    if (this.#state.at === 'close') {
      this.#state = { at: 'done' };
      return [{ type: 'end', rest: Buffer.alloc(0) }];
    }
    if (this.#state.at === 'done') return [];
    throw agentError(
      AgentErrorCode.AGENT_LOST,
      this.#state.at === 'head'
        ? 'the podkit agent closed the connection without an answer'
        : 'the podkit agent closed the connection in the middle of its answer',
    );
  }

  #head(text: string): { event: ResponseEvent; next: State } {
    const lines = text.split('\r\n');
    const status = /^HTTP\/1\.[01] ([1-9][0-9]{2})(?: .*)?$/.exec(lines[0] ?? '')?.[1];
    if (status === undefined)
      throw protocolError(`a bad status line ${JSON.stringify(lines[0]?.slice(0, 80))}`);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw protocolError(`a bad header field ${JSON.stringify(line)}`);
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      const had = headers.get(name);
      headers.set(name, had === undefined ? value : `${had}, ${value}`);
    }
    const code = Number(status);
    const event: ResponseEvent = { type: 'head', status: code, headers };
    // RFC 9112 6.3: no body after 1xx, 204 and 304; chunked wins over a length; else a
    // length; else the body runs to the connection's end.
    if (code < 200 || code === 204 || code === 304) return { event, next: { at: 'done' } };
    const coding = headers.get('transfer-encoding');
    if (coding !== undefined) {
      if (!/(^|,)\s*chunked\s*$/i.test(coding))
        throw protocolError(`a transfer-encoding the client does not read: ${coding}`);
      return { event, next: { at: 'chunk-size' } };
    }
    const length = headers.get('content-length');
    if (length !== undefined) {
      if (!/^[0-9]{1,15}$/.test(length)) throw protocolError(`a bad content-length ${length}`);
      const left = Number(length);
      return { event, next: left === 0 ? { at: 'done' } : { at: 'length', left } };
    }
    return { event, next: { at: 'close' } };
  }
}

/** A request to the agent. */
export interface Http1Request {
  method: string;
  /** The request target: path and query. */
  path: string;
  headers?: Readonly<Record<string, string>> | undefined;
  body?: string | undefined;
  /** Aborting closes the connection: a pending answer or body read rejects with its reason. */
  signal?: AbortSignal | undefined;
}

/** An answer whose head is in; its body is read by iterating `body`. */
export interface Http1Response {
  status: number;
  /** Field names in lower case; repeated fields joined with `, `. */
  headers: ReadonlyMap<string, string>;
  /** The body's bytes as they come (with backpressure: the socket pauses while unread). */
  body: AsyncIterable<Buffer>;
  /**
   * After `101 Switching Protocols`: the connection (paused: its reader resumes it), and the
   * bytes already read from it.
   */
  upgrade?: { socket: Socket; head: Buffer } | undefined;
}

/** An aborted signal's reason, as an Error (AbortSignal.abort() gives a DOMException, one). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted', { cause: reason });
}

/** Body pieces held before the socket is paused until the reader catches up. */
const HIGH_WATER = 16;

/**
 * Sends one request over a new connection to `socketPath` and resolves once the answer's
 * head is in. Connection errors reject with the socket's error (code ENOENT, ECONNREFUSED,
 * EACCES…); a malformed answer with AGENT_PROTOCOL; an answer cut short with AGENT_LOST.
 *
 * @example
 *   const res = await http1Request('/var/lib/podkit/agent.sock', { method: 'GET', path: '/v1/pods' });
 *   for await (const chunk of res.body) …
 */
export function http1Request(socketPath: string, req: Http1Request): Promise<Http1Response> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const parser = new ResponseParser();
    const queue: Buffer[] = [];
    let ended = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    let headSeen = false;
    let informational = 0;
    const settle = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const fail = (cause: unknown): void => {
      if (failure !== undefined || ended) return;
      const err = cause instanceof Error ? cause : new Error(String(cause));
      // Before the head: the socket's own error (ENOENT, ECONNREFUSED, EACCES…) for the caller
      // to name; after it, the answer was cut short.
      failure =
        !headSeen || isPodkitError(err) || req.signal?.aborted === true
          ? err
          : agentError(
              AgentErrorCode.AGENT_LOST,
              `the connection to the podkit agent broke in the middle of its answer: ${err.message}`,
              { cause: err },
            );
      socket.destroy();
      if (!headSeen) reject(failure);
      settle();
    };
    const onAbort = (): void => {
      if (req.signal !== undefined) fail(abortReason(req.signal));
    };
    if (req.signal !== undefined) {
      if (req.signal.aborted) {
        socket.destroy();
        reject(abortReason(req.signal));
        return;
      }
      req.signal.addEventListener('abort', onAbort, { once: true });
    }
    const done = (): void => {
      req.signal?.removeEventListener('abort', onAbort);
    };
    const body: AsyncIterable<Buffer> = {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<Buffer>> => {
          for (;;) {
            const data = queue.shift();
            if (data !== undefined) {
              if (queue.length < HIGH_WATER && socket.isPaused()) socket.resume();
              return { value: data, done: false };
            }
            if (failure !== undefined) throw failure;
            if (ended) return { value: undefined, done: true };
            await new Promise<void>((r) => (wake = r));
          }
        },
        return: (): Promise<IteratorResult<Buffer>> => {
          // The reader stopped early: the connection goes.
          if (!ended) socket.destroy();
          done();
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
    const onEvents = (events: ResponseEvent[]): void => {
      for (const e of events) {
        if (e.type === 'head') {
          if (e.status < 200) {
            informational = e.status;
            continue;
          }
          headSeen = true;
          resolve({ status: e.status, headers: e.headers, body });
        } else if (e.type === 'data') {
          queue.push(e.data);
          if (queue.length >= HIGH_WATER) socket.pause();
        } else if (!headSeen) {
          if (informational !== 101)
            throw protocolError(`an interim ${String(informational)} answer`);
          // 101: the socket now carries the new protocol; this module lets go of it, paused
          // (no byte is lost before its new reader resumes it).
          socket.pause();
          headSeen = true;
          ended = true;
          socket.off('data', onData);
          socket.off('end', onEnd);
          socket.off('error', fail);
          socket.off('close', onEnd);
          done();
          resolve({
            status: 101,
            headers: new Map(),
            body,
            upgrade: { socket, head: e.rest },
          });
        } else {
          ended = true;
          done();
          socket.destroy();
        }
      }
      settle();
    };
    const onData = (chunk: Buffer): void => {
      try {
        onEvents(parser.push(chunk));
      } catch (err) {
        fail(err);
      }
    };
    const onEnd = (): void => {
      if (ended) return;
      try {
        onEvents(parser.finish());
      } catch (err) {
        fail(err);
      }
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', fail);
    const head = [`${req.method} ${req.path} HTTP/1.1`, 'Host: agent'];
    const headers: Record<string, string> = { connection: 'close', ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
    socket.write(`${head.join('\r\n')}\r\n\r\n${req.body ?? ''}`);
  });
}
