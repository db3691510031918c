import { isoUtc } from './record.js';

export interface CriLine {
  time: string;
  stream: string;
  message: string;
  /** True when the runtime split an over-long line and this is not its end (P tag). */
  partial: boolean;
}

const CRI = /^(\S+) (stdout|stderr) ([PF])(?::\S*)? ?(.*)$/s;

/** One CRI log line: `2024-01-01T00:00:00.123456789Z stdout F message`. */
export function parseCriLine(line: string): CriLine | { error: string } {
  const m = CRI.exec(line);
  if (m === null) return { error: 'not a CRI log line' };
  const [, ts = '', stream = '', tag, message = ''] = m;
  const time = isoUtc(new Date(ts));
  if (time === undefined) return { error: `bad timestamp "${ts}"` };
  return { time, stream, message, partial: tag === 'P' };
}

/**
 * Rejoins CRI partial lines: `P` pieces of one stream are held until its `F` piece, then
 * returned as one line with the first piece's time. A held line larger than `maxBytes` is
 * released as it is, marked truncated, so a runaway writer cannot grow memory.
 */
export class CriJoiner {
  readonly #pending = new Map<string, { time: string; parts: string[]; size: number }>();
  readonly #maxBytes: number;

  constructor(maxBytes = 1024 * 1024) {
    this.#maxBytes = maxBytes;
  }

  push(
    line: CriLine,
  ): { time: string; stream: string; message: string; truncated?: true } | undefined {
    const held = this.#pending.get(line.stream) ?? { time: line.time, parts: [], size: 0 };
    held.parts.push(line.message);
    held.size += line.message.length;
    if (line.partial && held.size <= this.#maxBytes) {
      this.#pending.set(line.stream, held);
      return undefined;
    }
    this.#pending.delete(line.stream);
    const out = { time: held.time, stream: line.stream, message: held.parts.join('') };
    return line.partial ? { ...out, truncated: true } : out;
  }
}
