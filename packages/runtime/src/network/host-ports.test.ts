import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { freeHostPort } from '../testing/host-port.js';
import { findHostPortConflicts } from './host-ports.js';

test('hostPort admission: a bound port, another pod’s port and a duplicate are each reported', async (t) => {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const bound = (server.address() as AddressInfo).port;
  // A free port below the ephemeral range: a port-0 one could be taken by another test's
  // connection before the check, and be reported as taken.
  const free = await freeHostPort();

  const conflicts = await findHostPortConflicts(
    [
      { hostPort: bound, containerPort: 80, protocol: 'tcp' },
      { hostPort: 40001, containerPort: 81, protocol: 'tcp', hostIP: '127.0.0.1' },
      { hostPort: free, containerPort: 82, protocol: 'tcp' },
      { hostPort: free, containerPort: 83, protocol: 'tcp' },
      { hostPort: free, containerPort: 84, protocol: 'udp' },
    ],
    [
      {
        mapping: { hostPort: 40001, containerPort: 9, protocol: 'tcp' },
        owner: 'pod default/other',
      },
    ],
  );
  assert.deepEqual(
    conflicts.map((c) => c.mapping.containerPort),
    [83, 80, 81],
  );
  assert.match(conflicts[0]?.reason ?? '', /listed twice/);
  assert.match(
    conflicts[1]?.reason ?? '',
    new RegExp(`hostPort ${bound}/tcp is taken on this host \\(EADDRINUSE\\)`),
  );
  assert.match(conflicts[2]?.reason ?? '', /already published by pod default\/other/);
  assert.deepEqual(
    await findHostPortConflicts([{ hostPort: free, containerPort: 1, protocol: 'tcp' }], []),
    [],
  );
});
