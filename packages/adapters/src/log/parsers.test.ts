import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCombined } from './parse-combined.js';
import { CriJoiner, parseCriLine } from './parse-cri.js';
import { parseJsonLine } from './parse-json.js';
import { parseSyslog } from './parse-syslog.js';
import type { ParseResult } from './record.js';

const fixedNow = (): Date => new Date('2024-03-10T12:00:00Z');

describe('log parsers (table)', () => {
  const table: [string, (l: string) => ParseResult, string, Record<string, unknown> | string][] = [
    [
      'nginx combined',
      parseCombined,
      '203.0.113.7 - alice [10/Oct/2000:13:55:36 -0700] "GET /a.gif?x=1 HTTP/1.1" 200 2326 "http://ex.com/" "Mozilla/5.0 (X11)"',
      {
        time: '2000-10-10T20:55:36.000Z',
        remote_addr: '203.0.113.7',
        ident: null,
        remote_user: 'alice',
        method: 'GET',
        path: '/a.gif?x=1',
        protocol: 'HTTP/1.1',
        request: 'GET /a.gif?x=1 HTTP/1.1',
        status: 200,
        body_bytes_sent: 2326,
        referer: 'http://ex.com/',
        user_agent: 'Mozilla/5.0 (X11)',
      },
    ],
    [
      'apache common, size "-", escaped quote',
      parseCombined,
      '::1 - - [01/Jan/2024:00:00:00 +0000] "GET /q\\"x HTTP/1.0" 304 -',
      {
        time: '2024-01-01T00:00:00.000Z',
        remote_addr: '::1',
        ident: null,
        remote_user: null,
        method: 'GET',
        path: '/q"x',
        protocol: 'HTTP/1.0',
        request: 'GET /q"x HTTP/1.0',
        status: 304,
        body_bytes_sent: 0,
        referer: null,
        user_agent: null,
      },
    ],
    [
      'combined with request_time',
      parseCombined,
      '10.0.0.1 - - [01/Jan/2024:10:00:00 +0100] "POST /api HTTP/2.0" 503 12 "-" "curl/8" 0.250',
      {
        time: '2024-01-01T09:00:00.000Z',
        remote_addr: '10.0.0.1',
        ident: null,
        remote_user: null,
        method: 'POST',
        path: '/api',
        protocol: 'HTTP/2.0',
        request: 'POST /api HTTP/2.0',
        status: 503,
        body_bytes_sent: 12,
        referer: null,
        user_agent: 'curl/8',
        request_time: 0.25,
      },
    ],
    ['combined garbage', parseCombined, 'hello world', 'not a combined/common log line'],
    [
      'syslog RFC 3164',
      (l) => parseSyslog(l, fixedNow),
      "<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick on /dev/pts/8",
      {
        time: '2023-10-11T22:14:15.000Z',
        facility: 'auth',
        severity: 'crit',
        hostname: 'mymachine',
        app_name: 'su',
        procid: '123',
        message: "'su root' failed for lonvick on /dev/pts/8",
      },
    ],
    [
      'syslog RFC 5424 with structured data',
      parseSyslog,
      '<165>1 2003-10-11T22:14:15.003-07:00 host.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App\\"x"][other a="1"] An application event',
      {
        time: '2003-10-12T05:14:15.003Z',
        facility: 'local4',
        severity: 'notice',
        hostname: 'host.example.com',
        app_name: 'evntslog',
        procid: null,
        msgid: 'ID47',
        message: 'An application event',
        structured_data: {
          'exampleSDID@32473': { iut: '3', eventSource: 'App"x' },
          other: { a: '1' },
        },
      },
    ],
    [
      'syslog RFC 5424 nil values',
      parseSyslog,
      '<13>1 - - - - - -',
      {
        time: undefined,
        facility: 'user',
        severity: 'notice',
        hostname: null,
        app_name: null,
        procid: null,
        msgid: null,
        message: '',
      },
    ],
    ['syslog garbage', parseSyslog, '<999>nope', 'not an RFC 3164 syslog line'],
    [
      'json passthrough',
      parseJsonLine,
      '{"ts":1700000000,"level":"info","n":3,"nested":{"a":[1]}}',
      { time: '2023-11-14T22:13:20.000Z', ts: 1700000000, level: 'info', n: 3, nested: { a: [1] } },
    ],
    ['json array refused', parseJsonLine, '[1,2]', 'not a JSON object'],
  ];
  for (const [name, parse, line, want] of table) {
    it(name, () => {
      const r = parse(line);
      if (typeof want === 'string') {
        assert.deepEqual(r, { ok: false, error: want });
      } else {
        assert.ok(r.ok, JSON.stringify(r));
        const { time, ...fields } = want;
        assert.equal(r.time, time);
        assert.deepEqual(r.fields, fields);
      }
    });
  }
});

describe('CRI', () => {
  it('parses lines and rejoins P pieces per stream at F', () => {
    const j = new CriJoiner();
    const lines = [
      '2024-01-01T00:00:00.123456789Z stdout P hello ',
      '2024-01-01T00:00:00.2Z stderr F oops',
      '2024-01-01T00:00:00.3Z stdout P big ',
      '2024-01-01T00:00:00.4Z stdout F world',
      '2024-01-01T00:00:01Z stdout F',
    ];
    const out = lines.map((l) => {
      const c = parseCriLine(l);
      assert.ok(!('error' in c));
      return j.push(c);
    });
    assert.deepEqual(out, [
      undefined,
      { time: '2024-01-01T00:00:00.200Z', stream: 'stderr', message: 'oops' },
      undefined,
      { time: '2024-01-01T00:00:00.123Z', stream: 'stdout', message: 'hello big world' },
      { time: '2024-01-01T00:00:01.000Z', stream: 'stdout', message: '' },
    ]);
    assert.deepEqual(parseCriLine('garbage'), { error: 'not a CRI log line' });
  });

  it('releases an over-long partial line marked truncated', () => {
    const j = new CriJoiner(5);
    const p = (m: string) => ({ time: 't', stream: 'stdout', message: m, partial: true });
    assert.equal(j.push(p('abc')), undefined);
    assert.deepEqual(j.push(p('defg')), {
      time: 't',
      stream: 'stdout',
      message: 'abcdefg',
      truncated: true,
    });
  });
});
