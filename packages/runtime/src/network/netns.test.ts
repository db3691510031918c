import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

// `unshare --net=/run/netns/NAME` pins a namespace where `ip netns` finds it only once
// /run/netns is what `ip netns add` makes of it: a mount point with shared propagation. A fresh
// machine has no such mount until the first pod; prepareNetnsDir makes it. Checked in a private
// mount namespace of its own, where /run/netns is first made a plain directory again.
test('prepareNetnsDir makes /run/netns a shared mount point, as ip netns add does', async () => {
  const script = `
    umount -l /run/netns 2>/dev/null || true
    awk '$5 == "/run/netns"' /proc/self/mountinfo | grep -q . && { echo still mounted; exit 3; }
    node --conditions=podkit-source --import tsx --input-type=module -e '
      const { prepareNetnsDir } = await import(${JSON.stringify(path.join(here, 'netns.ts'))});
      await prepareNetnsDir();
      await prepareNetnsDir();
    '
    awk '$5 == "/run/netns"' /proc/self/mountinfo
  `;
  const { stdout } = await run(
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', script],
    {
      cwd: path.resolve(here, '../../../..'),
      timeout: 60_000,
    },
  );
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 1, `one mount at /run/netns, got:\n${stdout}`);
  assert.match(lines[0] ?? '', / shared:\d+ /);
});
