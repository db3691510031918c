/**
 * Splits an inline command line the way Redis' `sdssplitargs` does (networking.c hands every
 * inline request to it), so the ambassador routes an inline command by the same arguments the
 * server will see. Returns `undefined` where Redis answers "unbalanced quotes in request".
 *
 * Redis works on a C string: a NUL byte ends the line outside quotes and is an unterminated
 * quote inside them; mirrored here.
 */
export function splitInlineArgs(line: Buffer): Buffer[] | undefined {
  const args: Buffer[] = [];
  const n = line.length;
  let p = 0;
  const at = (i: number): number => (i < n ? (line[i] ?? 0) : 0);
  for (;;) {
    while (p < n && at(p) !== 0 && isSpace(at(p))) p++;
    if (at(p) === 0) return args;
    const out: number[] = [];
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 0x5c && at(p + 1) === 0x78 && isHex(at(p + 2)) && isHex(at(p + 3))) {
          out.push(hexVal(at(p + 2)) * 16 + hexVal(at(p + 3)));
          p += 3;
        } else if (c === 0x5c && at(p + 1) !== 0) {
          p++;
          out.push(unescape(at(p)));
        } else if (c === 0x22) {
          // The closing quote must be followed by a space or the end of the line.
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return undefined;
          done = true;
        } else if (c === 0) {
          return undefined;
        } else {
          out.push(c);
        }
      } else if (insq) {
        if (c === 0x5c && at(p + 1) === 0x27) {
          p++;
          out.push(0x27);
        } else if (c === 0x27) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return undefined;
          done = true;
        } else if (c === 0) {
          return undefined;
        } else {
          out.push(c);
        }
      } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0) {
        done = true;
      } else if (c === 0x22) {
        inq = true;
      } else if (c === 0x27) {
        insq = true;
      } else {
        out.push(c);
      }
      if (c !== 0) p++;
    }
    args.push(Buffer.from(out));
  }
}

function isSpace(c: number): boolean {
  // C isspace(): space, \t, \n, \v, \f, \r.
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function hexVal(c: number): number {
  if (c <= 0x39) return c - 0x30;
  if (c >= 0x61) return c - 0x61 + 10;
  return c - 0x41 + 10;
}

function unescape(c: number): number {
  switch (c) {
    case 0x6e:
      return 0x0a; // \n
    case 0x72:
      return 0x0d; // \r
    case 0x74:
      return 0x09; // \t
    case 0x62:
      return 0x08; // \b
    case 0x61:
      return 0x07; // \a
    default:
      return c;
  }
}
