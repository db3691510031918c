import { isoUtc, monthIndex, type ParseResult } from './record.js';

const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
];

function pri(p: string): { facility: string; severity: string } | undefined {
  const n = Number(p);
  if (!Number.isInteger(n) || n < 0 || n > 191) return undefined;
  return { facility: FACILITIES[n >> 3] ?? String(n >> 3), severity: SEVERITIES[n & 7] ?? '' };
}

const nil = (s: string | undefined): string | null => (s === undefined || s === '-' ? null : s);

const RFC5424 =
  /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (.*))?$/s;

/** RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD…] MSG`; structured data as an object. */
export function parseSyslog5424(line: string): ParseResult {
  const m = RFC5424.exec(line);
  const p = m === null ? undefined : pri(m[1] ?? '');
  if (m === null || p === undefined) return { ok: false, error: 'not an RFC 5424 syslog line' };
  const [, , ts = '', host, app, procid, msgid, sd = '-', msg] = m;
  const time = ts === '-' ? undefined : isoUtc(new Date(ts));
  if (ts !== '-' && time === undefined) return { ok: false, error: `bad timestamp "${ts}"` };
  const structured: Record<string, Record<string, string>> = {};
  for (const el of sd === '-' ? [] : sd.matchAll(/\[(\S+?)((?: [^=\s]+="(?:[^"\\]|\\.)*")*)\]/g)) {
    const params: Record<string, string> = {};
    for (const pm of (el[2] ?? '').matchAll(/ ([^=\s]+)="((?:[^"\\]|\\.)*)"/g)) {
      params[pm[1] ?? ''] = (pm[2] ?? '').replace(/\\(["\\\]])/g, '$1');
    }
    structured[el[1] ?? ''] = params;
  }
  const fields: Record<string, unknown> = {
    ...p,
    hostname: nil(host),
    app_name: nil(app),
    procid: nil(procid),
    msgid: nil(msgid),
    message: (msg ?? '').replace(/^\uFEFF/, ''),
  };
  if (sd !== '-') fields['structured_data'] = structured;
  return { ok: true, time, fields };
}

const RFC3164 =
  /^<(\d{1,3})>(\w{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\S+) ([^:[\s]+)(?:\[(\d+)\])?: ?(.*)$/s;

/**
 * RFC 3164 (BSD): `<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`. The line has no year or zone:
 * the time is read as UTC in the current year (last year when that would be more than a
 * day in the future, e.g. December lines read in January).
 */
export function parseSyslog3164(line: string, now: () => Date = () => new Date()): ParseResult {
  const m = RFC3164.exec(line);
  const p = m === null ? undefined : pri(m[1] ?? '');
  const month = m === null ? undefined : monthIndex(m[2] ?? '');
  if (m === null || p === undefined || month === undefined) {
    return { ok: false, error: 'not an RFC 3164 syslog line' };
  }
  const [, , , d, hh, mm, ss, host, tag, pid, msg] = m;
  const current = now();
  let year = current.getUTCFullYear();
  const at = (y: number): number =>
    Date.UTC(y, month, Number(d), Number(hh), Number(mm), Number(ss));
  if (at(year) > current.getTime() + 86_400_000) year--;
  return {
    ok: true,
    time: isoUtc(new Date(at(year))),
    fields: { ...p, hostname: host, app_name: tag, procid: pid ?? null, message: msg ?? '' },
  };
}

/** RFC 5424 when the line says version 1, else RFC 3164. */
export function parseSyslog(line: string, now?: () => Date): ParseResult {
  return /^<\d{1,3}>1 /.test(line) ? parseSyslog5424(line) : parseSyslog3164(line, now);
}
