/** The longest line kept whole (characters); a longer one goes out in pieces of this size. */
export const MAX_LINE_CHARS = 1024 * 1024;

/**
 * Splits decoded text into lines (without `\n` or `\r\n`), holding an incomplete last line
 * until the rest arrives. A line longer than `maxChars` is released in `maxChars` pieces (each
 * its own record), so one writer that never sends a newline cannot grow the adapter's memory
 * without bound.
 *
 * @example
 *   const s = new LineSplitter();
 *   [...s.push('a\r\nb')]; // ['a'], 'b' held
 *   [...s.push('c\n')]; // ['bc']
 */
export class LineSplitter {
  readonly #max: number;
  #partial = '';

  constructor(maxChars = MAX_LINE_CHARS) {
    this.#max = maxChars;
  }

  /** The lines that `text` completes, in order. */
  *push(text: string): Generator<string> {
    const all = this.#partial + text;
    this.#partial = '';
    let start = 0;
    for (let nl = all.indexOf('\n'); nl >= 0; nl = all.indexOf('\n', start)) {
      const end = nl > start && all.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end - start <= this.#max) yield all.slice(start, end);
      else
        for (let i = start; i < end; i += this.#max)
          yield all.slice(i, Math.min(end, i + this.#max));
      start = nl + 1;
    }
    while (all.length - start > this.#max) {
      yield all.slice(start, start + this.#max);
      start += this.#max;
    }
    this.#partial = all.slice(start);
  }

  /** Releases what is held (a last line without its newline), or undefined when nothing is. */
  end(): string | undefined {
    const rest = this.#partial.replace(/\r$/, '');
    this.#partial = '';
    return rest === '' ? undefined : rest;
  }

  /** Whether part of a line is held. */
  get holding(): boolean {
    return this.#partial !== '';
  }
}
