/**
 * Decodes one complete reply frame into plain values. For the ambassador's own control traffic
 * (COMMAND, ROLE, INFO, HELLO replies), never for forwarded data, which stays as bytes.
 * Strings are UTF-8; RESP3 maps and attributes' values become flat key/value arrays (the RESP2
 * shape of the same replies), attributes are dropped, sets and pushes become arrays.
 */

/** An error reply (`-ERR …` or a blob error). */
export class RespErrorReply {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
  /** The error code: the first word, e.g. `NOSCRIPT`, `READONLY`, `ERR`. */
  get code(): string {
    const sp = this.message.indexOf(' ');
    return sp < 0 ? this.message : this.message.slice(0, sp);
  }
}

export type RespValue = string | number | bigint | boolean | null | RespErrorReply | RespValue[];

/** Decodes the single complete frame in `frame` (as handed out by ReplyFramer). */
export function decodeReply(frame: Buffer): RespValue {
  const state = { pos: 0 };
  const value = decodeAt(frame, state);
  return value;
}

function line(buf: Buffer, state: { pos: number }): string {
  const cr = buf.indexOf(0x0d, state.pos);
  const text = buf.toString('utf8', state.pos, cr);
  state.pos = cr + 2;
  return text;
}

function decodeAt(buf: Buffer, state: { pos: number }): RespValue {
  const type = buf[state.pos];
  state.pos++;
  switch (type) {
    case 0x2b: // +
      return line(buf, state);
    case 0x2d: // -
      return new RespErrorReply(line(buf, state));
    case 0x3a: // :
      return Number(line(buf, state));
    case 0x5f: // _
      line(buf, state);
      return null;
    case 0x2c: // ,
      return Number(line(buf, state).replace(/^(-?)inf$/, '$1Infinity'));
    case 0x23: // #
      return line(buf, state) === 't';
    case 0x28: // (
      return BigInt(line(buf, state));
    case 0x24: // $
    case 0x21: // !
    case 0x3d: {
      // =
      const header = line(buf, state);
      if (header === '?') return streamedString(buf, state);
      const len = Number(header);
      if (len < 0) return null;
      let text = buf.toString('utf8', state.pos, state.pos + len);
      state.pos += len + 2;
      if (type === 0x3d) text = text.slice(4); // drop the `txt:` format prefix
      return type === 0x21 ? new RespErrorReply(text) : text;
    }
    case 0x2a: // *
    case 0x7e: // ~
    case 0x3e: // >
    case 0x25: {
      // %
      const header = line(buf, state);
      const out: RespValue[] = [];
      if (header === '?') {
        while (buf[state.pos] !== 0x2e) out.push(decodeAt(buf, state));
        line(buf, state);
        return out;
      }
      const n = Number(header);
      if (n < 0) return null;
      const count = type === 0x25 ? n * 2 : n;
      for (let i = 0; i < count; i++) out.push(decodeAt(buf, state));
      return out;
    }
    case 0x7c: {
      // | attribute: skip it, return the value it annotates
      const n = Number(line(buf, state));
      for (let i = 0; i < n * 2; i++) decodeAt(buf, state);
      return decodeAt(buf, state);
    }
    default:
      throw new Error(`cannot decode reply type byte ${String(type)}`);
  }
}

function streamedString(buf: Buffer, state: { pos: number }): string {
  const parts: string[] = [];
  for (;;) {
    const len = Number(line(buf, state).slice(1));
    if (len === 0) return parts.join('');
    parts.push(buf.toString('utf8', state.pos, state.pos + len));
    state.pos += len + 2;
  }
}

/** The text of a string reply, or '' for any other value. */
export function replyText(v: RespValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** Encodes a command as a RESP multibulk request. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}
