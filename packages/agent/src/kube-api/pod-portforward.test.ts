import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkStreamHeaders } from './pod-portforward.js';

const headers = (pairs: Record<string, string>) =>
  new Map(Object.entries(pairs).map(([k, v]) => [k, [v]] as const));

test("a stream's headers are checked as the kubelet checks them", () => {
  assert.equal(checkStreamHeaders(headers({ port: '80', streamtype: 'data' })), undefined);
  assert.equal(checkStreamHeaders(headers({ port: '65535', streamtype: 'error' })), undefined);
  assert.equal(checkStreamHeaders(headers({ streamtype: 'data' })), '"port" header is required');
  assert.equal(
    checkStreamHeaders(headers({ port: 'http', streamtype: 'data' })),
    'unable to parse "http" as a port',
  );
  assert.equal(
    checkStreamHeaders(headers({ port: '65536', streamtype: 'data' })),
    'unable to parse "65536" as a port',
  );
  assert.equal(
    checkStreamHeaders(headers({ port: '0', streamtype: 'data' })),
    'port "0" must be > 0',
  );
  assert.equal(checkStreamHeaders(headers({ port: '80' })), '"streamtype" header is required');
  assert.equal(
    checkStreamHeaders(headers({ port: '80', streamtype: 'stdin' })),
    'invalid stream type "stdin"',
  );
});
