import {
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FrameType,
  MAX_FRAME_LENGTH,
  SPDY_VERSION,
  type Setting,
} from './frames.js';

/**
 * Encoders of SPDY/3.1 frames (the layouts are in frames.ts). Header blocks are passed in
 * compressed (header-compression.ts): the compression context belongs to the connection.
 * A length beyond 24 bits or a stream id beyond 31 bits is a bug of the caller: RangeError.
 */

function controlFrame(type: number, flags: number, length: number): Buffer {
  if (length > MAX_FRAME_LENGTH) throw new RangeError(`control frame of ${length} bytes`);
  const out = Buffer.allocUnsafe(8 + length);
  out.writeUInt32BE((0x8000 | SPDY_VERSION) * 0x10000 + type, 0);
  out.writeUInt32BE(flags * 0x1000000 + length, 4);
  return out;
}

function streamId(id: number): number {
  if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) throw new RangeError(`stream id ${id}`);
  return id;
}

/** The 8-byte header of a DATA frame of `length` bytes (the payload follows it on the wire). */
export function dataFrameHeader(id: number, length: number, fin: boolean): Buffer {
  if (length > MAX_FRAME_LENGTH) throw new RangeError(`DATA frame of ${length} bytes`);
  const out = Buffer.allocUnsafe(8);
  out.writeUInt32BE(streamId(id), 0);
  out.writeUInt32BE((fin ? FLAG_FIN : 0) * 0x1000000 + length, 4);
  return out;
}

/** A whole DATA frame (a copy of `data`; senders of large payloads write the header and the data). */
export function encodeData(id: number, data: Buffer, fin: boolean): Buffer {
  return Buffer.concat([dataFrameHeader(id, data.length, fin), data]);
}

export function encodeSynStream(
  id: number,
  headerBlock: Buffer,
  options: {
    associatedId?: number;
    priority?: number;
    fin?: boolean;
    unidirectional?: boolean;
  } = {},
): Buffer {
  const flags =
    (options.fin === true ? FLAG_FIN : 0) |
    (options.unidirectional === true ? FLAG_UNIDIRECTIONAL : 0);
  const out = controlFrame(FrameType.synStream, flags, 10 + headerBlock.length);
  out.writeUInt32BE(streamId(id), 8);
  out.writeUInt32BE(streamId(options.associatedId ?? 0), 12);
  out[16] = ((options.priority ?? 0) & 7) << 5;
  out[17] = 0;
  headerBlock.copy(out, 18);
  return out;
}

export function encodeSynReply(id: number, headerBlock: Buffer, fin = false): Buffer {
  const out = controlFrame(FrameType.synReply, fin ? FLAG_FIN : 0, 4 + headerBlock.length);
  out.writeUInt32BE(streamId(id), 8);
  headerBlock.copy(out, 12);
  return out;
}

export function encodeHeaders(id: number, headerBlock: Buffer, fin = false): Buffer {
  const out = controlFrame(FrameType.headers, fin ? FLAG_FIN : 0, 4 + headerBlock.length);
  out.writeUInt32BE(streamId(id), 8);
  headerBlock.copy(out, 12);
  return out;
}

export function encodeRstStream(id: number, status: number): Buffer {
  const out = controlFrame(FrameType.rstStream, 0, 8);
  out.writeUInt32BE(streamId(id), 8);
  out.writeUInt32BE(status, 12);
  return out;
}

export function encodeSettings(settings: readonly Setting[], clear = false): Buffer {
  const out = controlFrame(FrameType.settings, clear ? 1 : 0, 4 + settings.length * 8);
  out.writeUInt32BE(settings.length, 8);
  settings.forEach((s, i) => {
    out.writeUInt32BE(s.flags * 0x1000000 + (s.id & 0xffffff), 12 + i * 8);
    out.writeUInt32BE(s.value, 16 + i * 8);
  });
  return out;
}

export function encodePing(id: number): Buffer {
  const out = controlFrame(FrameType.ping, 0, 4);
  out.writeUInt32BE(id, 8);
  return out;
}

export function encodeGoAway(lastGoodStreamId: number, status: number): Buffer {
  const out = controlFrame(FrameType.goAway, 0, 8);
  out.writeUInt32BE(streamId(lastGoodStreamId), 8);
  out.writeUInt32BE(status, 12);
  return out;
}

export function encodeWindowUpdate(id: number, delta: number): Buffer {
  const out = controlFrame(FrameType.windowUpdate, 0, 8);
  out.writeUInt32BE(streamId(id), 8);
  out.writeUInt32BE(delta & 0x7fffffff, 12);
  return out;
}
