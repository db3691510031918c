import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admit, deletePath, fieldValidationOf } from './admission.js';
import { KubeApiError } from './status.js';

const body = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web' },
  spec: { containers: [{ name: 'main', image: 'busybox:test', ...extra }] },
});

const refused = (code: number, reason: string, message?: RegExp) => (e: unknown) =>
  e instanceof KubeApiError &&
  e.status.code === code &&
  e.status.reason === reason &&
  (message === undefined || message.test(e.status.message ?? ''));

test('a valid pod is read and defaulted into the request namespace', () => {
  const { set, name, warnings } = admit(body(), 'Pod', 'team', 'Strict');
  assert.equal(name, 'web');
  const [pod] = set.pods;
  assert.ok(pod);
  assert.equal(pod.metadata.namespace, 'team');
  assert.equal(pod.spec.restartPolicy, 'Always');
  assert.deepEqual(warnings, []);
});

test('unknown fields follow fieldValidation: Strict 400, Warn a warning, Ignore silence', () => {
  const b = body({ imagePullPolicyy: 'Never' });
  assert.throws(
    () => admit(b, 'Pod', 'default', 'Strict'),
    refused(
      400,
      'BadRequest',
      /strict decoding error: unknown field "spec\.containers\[0\]\.imagePullPolicyy"$/,
    ),
  );
  assert.deepEqual(admit(b, 'Pod', 'default', 'Warn').warnings, [
    'unknown field "spec.containers[0].imagePullPolicyy"',
  ]);
  assert.deepEqual(admit(b, 'Pod', 'default', 'Ignore').warnings, []);
});

test('invalid values: 422 with one cause per field path', () => {
  assert.throws(
    () => admit(body({ ports: [{ containerPort: 70000 }] }), 'Pod', 'default', 'Strict'),
    (e: unknown) =>
      e instanceof KubeApiError &&
      e.status.code === 422 &&
      e.status.details?.causes?.[0]?.field === 'spec.containers[0].ports[0].containerPort',
  );
  assert.throws(
    () => admit({ ...body(), metadata: {} }, 'Pod', 'default', 'Strict'),
    refused(422, 'Invalid', /metadata\.name: Required value/),
  );
});

test('wrong kind, version or namespace: 400', () => {
  assert.throws(
    () => admit({ ...body(), kind: 'Service' }, 'Pod', 'default', 'Strict'),
    refused(400, 'BadRequest'),
  );
  assert.throws(
    () => admit({ ...body(), apiVersion: 'apps/v1' }, 'Pod', 'default', 'Strict'),
    refused(400, 'BadRequest'),
  );
  assert.throws(
    () =>
      admit(
        { ...body(), metadata: { name: 'web', namespace: 'other' } },
        'Pod',
        'default',
        'Strict',
      ),
    refused(400, 'BadRequest', /does not match the namespace sent on the request/),
  );
  assert.throws(
    () => fieldValidationOf(new URLSearchParams('fieldValidation=Loose')),
    refused(400, 'BadRequest'),
  );
  assert.equal(fieldValidationOf(new URLSearchParams('')), 'Warn');
});

test('generateName gets five random characters', () => {
  const { name } = admit(
    { ...body(), metadata: { generateName: 'web-' } },
    'Pod',
    'default',
    'Strict',
  );
  assert.match(name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('deletePath removes a reported path', () => {
  const o = { spec: { containers: [{ a: 1, b: 2 }] } };
  deletePath(o, 'spec.containers[0].b');
  assert.deepEqual(o, { spec: { containers: [{ a: 1 }] } });
  deletePath(o, 'spec.nothing.deeper');
  assert.deepEqual(o, { spec: { containers: [{ a: 1 }] } });
});
