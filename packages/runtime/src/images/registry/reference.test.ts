import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manifestReference, parseReference } from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

test('references: Docker Hub names, registries with ports, tags and digests', () => {
  assert.deepEqual(parseReference('busybox'), {
    normalised: 'docker.io/library/busybox:latest',
    domain: 'docker.io',
    host: 'registry-1.docker.io',
    repository: 'library/busybox',
    tag: 'latest',
    digest: undefined,
  });
  const r = parseReference(`127.0.0.1:5000/team/app@${D}`);
  assert.equal(r.host, '127.0.0.1:5000');
  assert.equal(r.repository, 'team/app');
  assert.equal(r.tag, undefined);
  assert.equal(manifestReference(r), D);
  const both = parseReference(`localhost:5000/app:1.2@${D}`);
  assert.equal(both.tag, '1.2');
  assert.equal(manifestReference(both), D, 'the digest wins over the tag');
  assert.equal(manifestReference(parseReference('quay.io/x/y:v1')), 'v1');
  assert.throws(() => parseReference('Bad/Name'), /invalid image name/);
});
