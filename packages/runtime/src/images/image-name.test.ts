import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPodkitError } from '@podkit/kit';
import { familiarImageName, normaliseImageName } from './image-name.js';

test('names normalise like Docker/containerd', () => {
  const table: [string, string][] = [
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['library/nginx', 'docker.io/library/nginx:latest'],
    ['docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['index.docker.io/library/nginx:1', 'docker.io/library/nginx:1'],
    ['me/app', 'docker.io/me/app:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/team/app:v1.2', 'localhost:5000/team/app:v1.2'],
    ['registry.example.com/x/y', 'registry.example.com/x/y:latest'],
    ['podkit/git-sync:dev', 'docker.io/podkit/git-sync:dev'],
    [`busybox@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`],
  ];
  for (const [input, want] of table) assert.equal(normaliseImageName(input), want, input);
  assert.equal(familiarImageName('docker.io/library/nginx:latest'), 'nginx:latest');
});

test('invalid names are IMAGE_NAME_INVALID', () => {
  for (const bad of ['', 'Nginx', 'nginx:', 'a//b', 'nginx:bad tag', 'x@sha256']) {
    assert.throws(
      () => normaliseImageName(bad),
      (e) => isPodkitError(e, 'IMAGE_NAME_INVALID'),
      bad,
    );
  }
});
