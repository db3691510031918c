/**
 * The agent's channel: HTTP/1.1 over a unix socket under the state root (mode 0600, so only
 * root reaches it). Requests and answers are JSON; long answers (apply, delete, watch) are
 * newline-delimited JSON; logs are the raw bytes; exec upgrades the connection to frames.
 * This module is shared by the agent and its client and imports nothing heavy.
 */
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import { AgentErrorCode } from './errors.js';

/** The agent's socket of a state root. */
export function agentSocketPath(root: string): string {
  return path.join(root, 'agent.sock');
}

/** The agent's own log (its diagnostics; pods have their own logs). */
export function agentLogPath(root: string): string {
  return path.join(root, 'agent.log');
}

/** An error as it crosses the channel. */
export interface WireError {
  code: string;
  message: string;
  hint?: string | undefined;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof PodkitError) return { code: err.code, message: err.message, hint: err.hint };
  return {
    code: AgentErrorCode.AGENT_INTERNAL,
    message: `internal error in the podkit agent (a bug): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
  };
}

export function fromWireError(e: WireError): PodkitError {
  return new PodkitError(e.code, e.message, e.hint === undefined ? {} : { hint: e.hint });
}

/** The HTTP status of an error code (the code itself is what callers act on). */
export function httpStatusOf(code: string): number {
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code === 'CLI_USAGE' || code.endsWith('_INVALID')) return 400;
  if (code === 'POD_ADMISSION_FAILED' || code === 'POD_NAME_TAKEN') return 409;
  if (code === AgentErrorCode.AGENT_INTERNAL) return 500;
  return 422;
}

/** Exec frame types (one byte), then a big-endian u32 length, then the payload. */
export const Frame = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  /** client → agent: stdin reached its end. */
  stdinEnd: 3,
  /** agent → client: JSON `{ code, error? }`, the last frame. */
  exit: 4,
  /** client → agent: JSON `{ rows, cols }`. */
  resize: 5,
  /** client → agent: a signal name to pass to the process. */
  signal: 6,
} as const;
export type FrameType = (typeof Frame)[keyof typeof Frame];

export function encodeFrame(type: FrameType, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.allocUnsafe(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Largest frame accepted: a bigger length is a protocol error, not an allocation. */
const MAX_FRAME = 16 * 1024 * 1024;

/** Incremental frame decoder over a byte stream. */
export class FrameDecoder {
  #buf: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns every complete frame. Throws on a frame over 16 MiB. */
  push(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: { type: number; payload: Buffer }[] = [];
    for (;;) {
      if (this.#buf.length < 5) break;
      const len = this.#buf.readUInt32BE(1);
      if (len > MAX_FRAME) throw new Error(`exec frame of ${len} bytes is over the limit`);
      if (this.#buf.length < 5 + len) break;
      out.push({ type: this.#buf.readUInt8(0), payload: this.#buf.subarray(5, 5 + len) });
      this.#buf = this.#buf.subarray(5 + len);
    }
    return out;
  }
}

/** What `GET /v1/agent` answers. */
export interface AgentInfo {
  pid: number;
  root: string;
  startedAt: string;
}

/** The path segments (decoded) and query of a request to the agent. */
export function callOf(rawUrl: string | undefined): { parts: string[]; query: URLSearchParams } {
  const url = new URL(rawUrl ?? '/', 'http://agent');
  return {
    parts: url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent),
    query: url.searchParams,
  };
}
