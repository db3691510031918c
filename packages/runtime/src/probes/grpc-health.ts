/**
 * The two messages of grpc.health.v1 (health.proto), encoded by hand — they have one field
 * each, which does not justify a protobuf library:
 *   message HealthCheckRequest { string service = 1; }
 *   message HealthCheckResponse { ServingStatus status = 1; }
 * and the gRPC length-prefixed message framing (1 byte compressed flag, 4 bytes length BE).
 */

export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';

export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** HealthCheckRequest as one gRPC frame (an empty service is omitted, as proto3 does). */
export function encodeHealthCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const msg =
    name.length === 0
      ? Buffer.alloc(0)
      : Buffer.concat([Buffer.from([0x0a]), varint(name.length), name]);
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** Reads a varint at `pos`; returns [value, next position] or undefined when cut short. */
function readVarint(buf: Buffer, pos: number): [number, number] | undefined {
  let value = 0;
  let mul = 1;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i] ?? 0;
    value += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  return undefined;
}

/**
 * The `status` of a HealthCheckResponse body (the bytes after the 5-byte frame header);
 * unknown fields are skipped, an absent status is 0 (UNKNOWN). Throws on malformed input.
 */
export function decodeHealthCheckResponse(msg: Buffer): number {
  let status = 0;
  let pos = 0;
  while (pos < msg.length) {
    const key = readVarint(msg, pos);
    if (key === undefined) throw new Error('truncated protobuf key');
    const [tag, afterKey] = key;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    pos = afterKey;
    if (wire === 0) {
      const v = readVarint(msg, pos);
      if (v === undefined) throw new Error('truncated varint');
      if (field === 1) status = v[0];
      pos = v[1];
    } else if (wire === 2) {
      const len = readVarint(msg, pos);
      if (len === undefined || len[1] + len[0] > msg.length) throw new Error('truncated field');
      pos = len[1] + len[0];
    } else if (wire === 5) pos += 4;
    else if (wire === 1) pos += 8;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  if (pos > msg.length) throw new Error('truncated fixed field');
  return status;
}

/** The first complete gRPC frame of `buf`: its message bytes, or undefined if incomplete. */
export function firstGrpcMessage(buf: Buffer): Buffer | undefined {
  if (buf.length < 5) return undefined;
  if (buf.readUInt8(0) !== 0)
    throw new Error('compressed gRPC message (no compression was offered)');
  const len = buf.readUInt32BE(1);
  if (buf.length < 5 + len) return undefined;
  return buf.subarray(5, 5 + len);
}
