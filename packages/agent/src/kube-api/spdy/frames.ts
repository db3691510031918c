/**
 * SPDY/3.1 frames as this package reads and writes them (draft-mbelshe-httpbis-spdy-00 and
 * the SPDY/3.1 amendments, as moby/spdystream — kubectl's side — implements them).
 *
 * Every frame has an 8-byte header. A control frame: bit 1 set, 15 bits version (3), 16 bits
 * type, 8 bits flags, 24 bits length of what follows. A DATA frame: bit 0 clear, 31 bits stream
 * id, 8 bits flags, 24 bits length. Integers are big-endian.
 */

export const SPDY_VERSION = 3;

/** Control frame types (SPDY/3 §2.6). */
export const FrameType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

/** FLAG_FIN of DATA, SYN_STREAM, SYN_REPLY and HEADERS: the sender's last frame on the stream. */
export const FLAG_FIN = 0x01;
/** FLAG_UNIDIRECTIONAL of SYN_STREAM: the receiver must not send on the stream. */
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes (SPDY/3 §2.6.3). */
export const RstStatus = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  unsupportedVersion: 4,
  cancel: 5,
  internalError: 6,
  flowControlError: 7,
  streamInUse: 8,
  streamAlreadyClosed: 9,
  frameTooLarge: 11,
} as const;

/** GOAWAY status codes (SPDY/3 §2.6.6). */
export const GoAwayStatus = { ok: 0, protocolError: 1, internalError: 2 } as const;

/** The largest length a frame header can carry (24 bits). */
export const MAX_FRAME_LENGTH = 0xffffff;

/**
 * One piece of a DATA frame's payload. A frame's payload is handed out as its bytes arrive
 * (views into the received chunks), so a 16 MiB frame never sits in memory whole; a frame of
 * length 0 is one piece with no bytes.
 */
export interface DataPiece {
  readonly kind: 'data';
  readonly streamId: number;
  readonly data: Buffer;
  /** True for the piece that starts the frame. */
  readonly first: boolean;
  /** True for the piece that ends the frame. */
  readonly last: boolean;
  /** The frame's FLAG_FIN (on every piece; it takes effect with the last). */
  readonly fin: boolean;
}

/** SYN_STREAM: the peer opens stream `streamId`; `headerBlock` is still compressed. */
export interface SynStreamFrame {
  readonly kind: 'syn_stream';
  readonly streamId: number;
  readonly associatedId: number;
  /** 0 (highest) to 7. */
  readonly priority: number;
  readonly slot: number;
  readonly fin: boolean;
  readonly unidirectional: boolean;
  readonly headerBlock: Buffer;
}

export interface SynReplyFrame {
  readonly kind: 'syn_reply';
  readonly streamId: number;
  readonly fin: boolean;
  readonly headerBlock: Buffer;
}

export interface HeadersFrame {
  readonly kind: 'headers';
  readonly streamId: number;
  readonly fin: boolean;
  readonly headerBlock: Buffer;
}

export interface RstStreamFrame {
  readonly kind: 'rst_stream';
  readonly streamId: number;
  readonly status: number;
}

export interface Setting {
  readonly id: number;
  readonly flags: number;
  readonly value: number;
}

export interface SettingsFrame {
  readonly kind: 'settings';
  readonly clear: boolean;
  readonly settings: readonly Setting[];
}

export interface PingFrame {
  readonly kind: 'ping';
  readonly id: number;
}

export interface GoAwayFrame {
  readonly kind: 'goaway';
  readonly lastGoodStreamId: number;
  readonly status: number;
}

export interface WindowUpdateFrame {
  readonly kind: 'window_update';
  readonly streamId: number;
  readonly delta: number;
}

/** The peer broke the framing; the framer reads nothing more. */
export interface FramingError {
  readonly kind: 'error';
  readonly message: string;
}

export type ControlFrame =
  | SynStreamFrame
  | SynReplyFrame
  | HeadersFrame
  | RstStreamFrame
  | SettingsFrame
  | PingFrame
  | GoAwayFrame
  | WindowUpdateFrame;

export type FrameEvent = DataPiece | ControlFrame | FramingError;
