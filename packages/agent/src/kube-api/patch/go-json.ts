/**
 * JSON as the API server's Go code sees it: the value type the patch algorithms work on,
 * decoding with encoding/json's error wording (the API server answers a malformed patch with
 * that text), and Go's `%v` rendering of decoded values (strategicpatch puts it in messages
 * such as `map: map[image:nginx] does not contain declared merge key: name`).
 */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A body encoding/json refuses; `message` is its error text. */
export class GoJsonError extends Error {}

/**
 * Parses `text` as JSON; malformed input throws GoJsonError with encoding/json's message
 * (`invalid character 'x' looking for beginning of value`, `unexpected end of JSON input`).
 */
export function parseGoJson(text: string): Json {
  new Scanner(text).document();
  return JSON.parse(text) as Json;
}

/** encoding/json's name for the JSON type of `v` in `cannot unmarshal X into Go value`. */
export function jsonTypeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // object, string, number
}

/** Go's `%v` of a value decoded into interface{} (maps print with sorted keys). */
export function goFormat(v: Json | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (typeof v === 'object')
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goFormat(v[k])}`)
      .join(' ')}]`;
  return String(v);
}

function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const code = c.charCodeAt(0);
  if (code < 0x20) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

const WS = new Set([' ', '\t', '\n', '\r']);

/** A validating pass over the text, failing with encoding/json's scanner messages. */
class Scanner {
  readonly #s: string;
  #i = 0;
  constructor(s: string) {
    this.#s = s;
  }

  document(): void {
    this.#value();
    this.#ws();
    if (this.#i < this.#s.length) this.#fail('after top-level value');
  }

  #fail(context: string): never {
    const c = this.#s[this.#i];
    if (c === undefined) throw new GoJsonError('unexpected end of JSON input');
    throw new GoJsonError(`invalid character ${quoteChar(c)} ${context}`);
  }

  #ws(): void {
    while (WS.has(this.#s[this.#i] ?? '')) this.#i++;
  }

  #value(): void {
    this.#ws();
    const c = this.#s[this.#i];
    if (c === '{') this.#object();
    else if (c === '[') this.#array();
    else if (c === '"') this.#string('in string literal');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.#number();
    else if (c === 't') this.#literal('true');
    else if (c === 'f') this.#literal('false');
    else if (c === 'n') this.#literal('null');
    else this.#fail('looking for beginning of value');
  }

  #object(): void {
    this.#i++;
    this.#ws();
    if (this.#s[this.#i] === '}') {
      this.#i++;
      return;
    }
    for (;;) {
      this.#ws();
      if (this.#s[this.#i] !== '"') this.#fail('looking for beginning of object key string');
      this.#string('in string literal');
      this.#ws();
      if (this.#s[this.#i] !== ':') this.#fail('after object key');
      this.#i++;
      this.#value();
      this.#ws();
      const c = this.#s[this.#i];
      if (c === ',') this.#i++;
      else if (c === '}') {
        this.#i++;
        return;
      } else this.#fail('after object key:value pair');
    }
  }

  #array(): void {
    this.#i++;
    this.#ws();
    if (this.#s[this.#i] === ']') {
      this.#i++;
      return;
    }
    for (;;) {
      this.#value();
      this.#ws();
      const c = this.#s[this.#i];
      if (c === ',') this.#i++;
      else if (c === ']') {
        this.#i++;
        return;
      } else this.#fail('after array element');
    }
  }

  #string(context: string): void {
    this.#i++;
    for (;;) {
      const c = this.#s[this.#i];
      if (c === undefined) this.#fail(context);
      if (c === '"') {
        this.#i++;
        return;
      }
      if (c.charCodeAt(0) < 0x20) this.#fail(context);
      if (c === '\\') {
        this.#i++;
        const e = this.#s[this.#i];
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            this.#i++;
            if (!/^[0-9a-fA-F]$/.test(this.#s[this.#i] ?? ''))
              this.#fail('in \\u hexadecimal character escape');
          }
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) this.#fail('in string escape code');
      }
      this.#i++;
    }
  }

  #digits(): number {
    const start = this.#i;
    while (/^[0-9]$/.test(this.#s[this.#i] ?? '')) this.#i++;
    return this.#i - start;
  }

  #number(): void {
    if (this.#s[this.#i] === '-') {
      this.#i++;
      if (!/^[0-9]$/.test(this.#s[this.#i] ?? '')) this.#fail('in numeric literal');
    }
    if (this.#s[this.#i] === '0') this.#i++;
    else this.#digits();
    if (this.#s[this.#i] === '.') {
      this.#i++;
      if (this.#digits() === 0) this.#fail('after decimal point in numeric literal');
    }
    const e = this.#s[this.#i];
    if (e === 'e' || e === 'E') {
      this.#i++;
      const sign = this.#s[this.#i];
      if (sign === '+' || sign === '-') this.#i++;
      if (this.#digits() === 0) this.#fail('in exponent of numeric literal');
    }
  }

  #literal(word: string): void {
    for (let k = 0; k < word.length; k++, this.#i++)
      if (this.#s[this.#i] !== word[k])
        this.#fail(`in literal ${word} (expecting ${quoteChar(word[k] ?? '')})`);
  }
}
