import {
  AUTHORITATIVE_ANSWER,
  RECURSION_AVAILABLE,
  RECURSION_DESIRED,
  TRUNCATED_RESPONSE,
  decode,
  encode,
  type Answer,
  type DecodedPacket,
  type OptAnswer,
  type Question,
} from 'dns-packet';

/**
 * The DNS message plumbing the server and the forwarder share: the header read straight from
 * the bytes (before, or instead of, a full decode), replies built from a query, EDNS0 sizes and
 * truncation. The codec itself is dns-packet's.
 */

/** Response codes (RFC 1035 §4.1.1, RFC 6895). */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;

export type RcodeName = keyof typeof Rcode;

export const HEADER_LENGTH = 12;

/** The classic UDP limit (RFC 1035) when the client sends no EDNS0 OPT record. */
export const CLASSIC_UDP_SIZE = 512;

/**
 * The most we send over UDP, and what we advertise: DNS Flag Day 2020's 1232 bytes, which fit
 * an IPv6 minimum MTU and so are never fragmented; larger answers go over TCP.
 */
export const MAX_UDP_SIZE = 1232;

const OPCODE_QUERY = 0;
const QR = 1 << 15;

export interface Header {
  id: number;
  /** A response (QR set): a server never answers one. */
  response: boolean;
  opcode: number;
  rcode: number;
  truncated: boolean;
  recursionDesired: boolean;
  questionCount: number;
}

/** The fixed 12-byte header, or undefined when the message is shorter than one. */
export function readHeader(msg: Buffer): Header | undefined {
  if (msg.length < HEADER_LENGTH) return undefined;
  const flags = msg.readUInt16BE(2);
  return {
    id: msg.readUInt16BE(0),
    response: (flags & QR) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    truncated: (flags & TRUNCATED_RESPONSE) !== 0,
    recursionDesired: (flags & RECURSION_DESIRED) !== 0,
    questionCount: msg.readUInt16BE(4),
  };
}

/**
 * A header-only reply (no question) to a message we could not decode: FORMERR or NOTIMP with
 * the query's id and opcode, as RFC 1035 servers answer what they cannot parse.
 */
export function headerOnlyReply(header: Header, rcode: number): Buffer {
  const msg = Buffer.alloc(HEADER_LENGTH);
  msg.writeUInt16BE(header.id, 0);
  const rd = header.recursionDesired ? RECURSION_DESIRED : 0;
  msg.writeUInt16BE(QR | (header.opcode << 11) | rd | RECURSION_AVAILABLE | rcode, 2);
  return msg;
}

/** A query decoded and checked to be one we can answer: QUERY opcode, exactly one question. */
export interface ParsedQuery {
  header: Header;
  packet: DecodedPacket;
  question: Question;
  /** The client's EDNS0 OPT record, if it sent one. */
  opt: OptAnswer | undefined;
}

/**
 * Decodes a query. Returns the reply to send instead when it is not one we answer (FORMERR,
 * NOTIMP), or undefined when nothing should be sent (too short for a header, or a response:
 * answering responses would let two servers bounce packets forever).
 */
export function parseQuery(msg: Buffer): ParsedQuery | { reply: Buffer | undefined } {
  const header = readHeader(msg);
  if (header === undefined || header.response) return { reply: undefined };
  if (header.opcode !== OPCODE_QUERY) return { reply: headerOnlyReply(header, Rcode.NOTIMP) };
  let packet: DecodedPacket;
  try {
    packet = decode(msg);
  } catch {
    return { reply: headerOnlyReply(header, Rcode.FORMERR) };
  }
  const question = packet.questions?.[0];
  if (header.questionCount !== 1 || question === undefined) {
    return { reply: headerOnlyReply(header, Rcode.FORMERR) };
  }
  const opt = packet.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  return { header, packet, question, opt };
}

/** The largest UDP reply this client takes: its EDNS0 size, within [512, MAX_UDP_SIZE]. */
export function udpLimit(query: ParsedQuery): number {
  const asked = query.opt?.udpPayloadSize ?? CLASSIC_UDP_SIZE;
  return Math.min(MAX_UDP_SIZE, Math.max(CLASSIC_UDP_SIZE, asked));
}

export interface ReplyParts {
  /** A name, or the number an upstream answered with. */
  rcode: RcodeName | number;
  authoritative: boolean;
  answers?: Answer[];
  authorities?: Answer[];
  additionals?: Answer[];
}

/** Our OPT record, in every reply to a query that had one (RFC 6891 §7). */
function optRecord(): OptAnswer {
  return {
    name: '.',
    type: 'OPT',
    udpPayloadSize: MAX_UDP_SIZE,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  };
}

/** Encodes the reply to `query`: its id, RD copied, RA set (we recurse by forwarding). */
export function encodeReply(query: ParsedQuery, parts: ReplyParts, truncated = false): Buffer {
  const flags =
    (parts.authoritative ? AUTHORITATIVE_ANSWER : 0) |
    (query.header.recursionDesired ? RECURSION_DESIRED : 0) |
    RECURSION_AVAILABLE |
    (truncated ? TRUNCATED_RESPONSE : 0) |
    (typeof parts.rcode === 'number' ? parts.rcode & 0xf : Rcode[parts.rcode]);
  return encode({
    type: 'response',
    id: query.header.id,
    flags,
    questions: [query.question],
    answers: truncated ? [] : (parts.answers ?? []),
    authorities: truncated ? [] : (parts.authorities ?? []),
    additionals: [
      ...(truncated ? [] : (parts.additionals ?? [])),
      ...(query.opt === undefined ? [] : [optRecord()]),
    ],
  });
}

/**
 * What a UDP client gets when `reply` is over `limit` bytes: the header with TC set, the
 * question (and OPT), no records — the client asks again over TCP (RFC 2181 §9, RFC 7766).
 */
export function fitUdp(query: ParsedQuery, reply: Buffer, limit: number): Buffer {
  if (reply.length <= limit) return reply;
  // A reply longer than 512 bytes has a whole header.
  const flags = reply.readUInt16BE(2);
  const authoritative = (flags & AUTHORITATIVE_ANSWER) !== 0;
  return encodeReply(query, { rcode: flags & 0xf, authoritative }, true);
}
