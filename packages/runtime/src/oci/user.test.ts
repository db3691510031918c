import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPodkitError } from '@podkit/kit';
import { resolveUser } from './user.js';

const passwd =
  'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\nnobody:x:65534:65534::/:/bin/false\n';
const group = 'root:x:0:\nwww-data:x:33:\nadm:x:4:www-data,other\nnogroup:x:65534:\n';

test('user parsing: numeric, names, runAsUser/runAsGroup, supplementary groups', () => {
  const cases: [
    Parameters<typeof resolveUser>[0],
    { uid: number; gid: number; additionalGids: number[] },
  ][] = [
    [{}, { uid: 0, gid: 0, additionalGids: [0] }],
    [{ imageUser: '1000' }, { uid: 1000, gid: 0, additionalGids: [0] }],
    [{ imageUser: '1000:1001' }, { uid: 1000, gid: 1001, additionalGids: [1001] }],
    [
      { imageUser: 'www-data', passwd, group },
      { uid: 33, gid: 33, additionalGids: [33, 4] },
    ],
    [
      { imageUser: 'www-data:nogroup', passwd, group },
      { uid: 33, gid: 65534, additionalGids: [65534, 4] },
    ],
    [
      { imageUser: '33', passwd, group },
      { uid: 33, gid: 33, additionalGids: [33, 4] },
    ],
    [
      { imageUser: 'www-data', runAsUser: 65534, passwd, group },
      { uid: 65534, gid: 65534, additionalGids: [65534] },
    ],
    [{ runAsUser: 65534 }, { uid: 65534, gid: 0, additionalGids: [0] }],
    [
      { runAsUser: 1234, runAsGroup: 5678, supplementalGroups: [5678, 9] },
      { uid: 1234, gid: 5678, additionalGids: [5678, 9] },
    ],
  ];
  for (const [input, want] of cases)
    assert.deepEqual(
      resolveUser(input),
      want,
      JSON.stringify(input.imageUser ?? input.runAsUser ?? ''),
    );
});

test('unknown user or group names are a clear error', () => {
  assert.throws(
    () => resolveUser({ imageUser: 'nginx', passwd }),
    (e) => isPodkitError(e, 'CONTAINER_USER_INVALID') && /nginx/.test(e.message),
  );
  assert.throws(
    () => resolveUser({ imageUser: 'root:wheel', passwd, group }),
    (e) => isPodkitError(e, 'CONTAINER_USER_INVALID'),
  );
});
