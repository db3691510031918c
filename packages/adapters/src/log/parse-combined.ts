import { isoUtc, monthIndex, type ParseResult } from './record.js';

// %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" — nginx's "combined" is the same;
// an optional trailing number is nginx's $request_time (seconds), common in custom formats.
const COMBINED =
  /^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(?: (\d+(?:\.\d+)?))?\s*$/;
const CLF_TIME = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

// Consecutive lines mostly share their second: the last conversion is kept.
let lastClf = '';
let lastIso: string | undefined;

/** `10/Oct/2000:13:55:36 -0700` → ISO-8601 UTC. */
export function parseClfTime(s: string): string | undefined {
  if (s === lastClf) return lastIso;
  lastIso = convertClfTime(s);
  lastClf = s;
  return lastIso;
}

function convertClfTime(s: string): string | undefined {
  const m = CLF_TIME.exec(s);
  if (m === null) return undefined;
  const [, d, mon = '', y, hh, mm, ss, sign, oh, om] = m;
  const month = monthIndex(mon);
  if (month === undefined) return undefined;
  const offsetMin = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const utc =
    Date.UTC(Number(y), month, Number(d), Number(hh), Number(mm), Number(ss)) - offsetMin * 60_000;
  return isoUtc(new Date(utc));
}

const dash = (s: string | undefined): string | null => (s === undefined || s === '-' ? null : s);
const unescape = (s: string): string => (s.includes('\\') ? s.replace(/\\(.)/g, '$1') : s);

/**
 * nginx/apache "combined" (and "common") access log lines: status and size as integers,
 * `-` as null, the request split into method, path and protocol.
 */
export function parseCombined(line: string): ParseResult {
  const m = COMBINED.exec(line);
  if (m === null) return { ok: false, error: 'not a combined/common log line' };
  const [, addr, ident, user, time = '', request = '', status, size, referer, agent, rt] = m;
  const iso = parseClfTime(time);
  if (iso === undefined) return { ok: false, error: `bad time "${time}"` };
  const req = unescape(request);
  const parts = /^(\S+) (\S+)(?: (\S+))?$/.exec(req);
  const fields: Record<string, unknown> = {
    remote_addr: addr,
    ident: dash(ident),
    remote_user: dash(user),
    method: parts?.[1] ?? null,
    path: parts?.[2] ?? null,
    protocol: parts?.[3] ?? null,
    request: req,
    status: Number(status),
    body_bytes_sent: size === '-' ? 0 : Number(size),
    referer: referer === undefined ? null : dash(unescape(referer)),
    user_agent: agent === undefined ? null : dash(unescape(agent)),
  };
  if (rt !== undefined) fields['request_time'] = Number(rt);
  return { ok: true, time: iso, fields };
}
