/**
 * SPDY/3 name/value header blocks, uncompressed (§2.6.10): a 32-bit count of pairs, then for
 * each a 32-bit length and the name (lowercase, not empty), a 32-bit length and the value.
 * Several values of one name are joined by NUL bytes; a name appears once.
 */

/** Header names to their values. */
export type SpdyHeaders = ReadonlyMap<string, readonly string[]>;

/** The block for `headers` (names lowercased, values of a name joined by NUL). */
export function encodeHeaderBlock(headers: Iterable<readonly [string, readonly string[]]>): Buffer {
  const parts: Buffer[] = [];
  let count = 0;
  for (const [name, values] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    const nl = Buffer.allocUnsafe(4);
    nl.writeUInt32BE(n.length);
    const vl = Buffer.allocUnsafe(4);
    vl.writeUInt32BE(v.length);
    parts.push(nl, n, vl, v);
    count++;
  }
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(count);
  return Buffer.concat([head, ...parts]);
}

/**
 * The headers of a whole decompressed block, or why it is not one (truncated, trailing bytes,
 * an empty or uppercase name, a name twice: what spdystream also refuses).
 */
export function decodeHeaderBlock(block: Buffer): { headers: SpdyHeaders } | { error: string } {
  if (block.length < 4) return { error: 'header block shorter than its count' };
  const count = block.readUInt32BE(0);
  // Each pair takes at least 8 bytes: a count beyond that is a lie, whatever follows.
  if (count > (block.length - 4) / 8) return { error: `header block too short for ${count} pairs` };
  const headers = new Map<string, string[]>();
  let pos = 4;
  const field = (): Buffer | undefined => {
    if (pos + 4 > block.length) return undefined;
    const len = block.readUInt32BE(pos);
    if (len > block.length - pos - 4) return undefined;
    const out = block.subarray(pos + 4, pos + 4 + len);
    pos += 4 + len;
    return out;
  };
  for (let i = 0; i < count; i++) {
    const name = field();
    const value = name === undefined ? undefined : field();
    if (name === undefined || value === undefined) return { error: 'header block truncated' };
    if (name.length === 0) return { error: 'empty header name' };
    const key = name.toString('utf8');
    if (key !== key.toLowerCase())
      return { error: `header name ${JSON.stringify(key)} is not lowercase` };
    if (headers.has(key)) return { error: `header ${JSON.stringify(key)} appears twice` };
    headers.set(key, value.toString('utf8').split('\0'));
  }
  if (pos !== block.length) return { error: `${block.length - pos} bytes after the header block` };
  return { headers };
}

/** The first value of `name`, or undefined. */
export function headerValue(headers: SpdyHeaders, name: string): string | undefined {
  return headers.get(name)?.[0];
}
