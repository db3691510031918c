import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor, redactUrls } from './redact.js';

test('redactUrls masks URL passwords and bare HTTP tokens, keeps ssh users', () => {
  assert.equal(
    redactUrls("fatal: unable to access 'https://bob:hunter2@example.com/x.git/'"),
    "fatal: unable to access 'https://bob:***@example.com/x.git/'",
  );
  assert.equal(redactUrls('https://ghp_abcdef@github.com/o/r'), 'https://***@github.com/o/r');
  assert.equal(redactUrls('ssh://git@example.com/r.git'), 'ssh://git@example.com/r.git');
  assert.equal(redactUrls('no url here'), 'no url here');
  assert.equal(
    redactUrls('a http://u:p%40ss@h/ and https://v:w@i/'),
    'a http://u:***@h/ and https://v:***@i/',
  );
});

test('Redactor masks registered secrets anywhere, also percent-encoded', () => {
  const r = new Redactor();
  r.addUrlCredentials('https://alice:s3cr%2Ft@example.com/repo.git');
  r.add('token-123');
  const text = 'pw s3cr/t, enc s3cr%2Ft, tok token-123, url https://alice:s3cr%2Ft@example.com';
  const out = r.redact(text);
  assert.ok(!out.includes('s3cr'), out);
  assert.ok(!out.includes('token-123'), out);
  assert.ok(out.includes('https://alice:***@example.com'), out);
});

test('Redactor ignores tiny secrets that would mask noise', () => {
  const r = new Redactor(['ab']);
  assert.equal(r.redact('abc ab'), 'abc ab');
});
