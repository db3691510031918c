import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addImage } from '../images/image-store.js';
import { readLogs } from '../logs/cri-log-reader.js';
import { waitForPod } from './wait-for-pod.js';
import { containerLogPath } from './pod-store.js';
import { podTestEnv } from './test-pod-env.js';

test('a host image hides /tmp unless the image keeps a path; kept paths are read-only', async (t) => {
  const { layout, up } = await podTestEnv(t);
  // A program under /tmp, which host images hide (as a CI checkout may be).
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-keep-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    path.join(dir, 'hello.sh'),
    'echo kept-program-ran\ntouch "$0.w" 2>/dev/null && echo writable || echo read-only\n',
  );
  const program = path.join(dir, 'hello.sh');
  await addImage(layout.root, {
    name: 'kept:1',
    source: { kind: 'host', keep: [dir] },
    config: { entrypoint: ['/bin/sh', program] },
  });
  await addImage(layout.root, {
    name: 'hidden:1',
    source: { kind: 'host' },
    config: { entrypoint: ['/bin/sh', program] },
  });
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: keep }
spec:
  restartPolicy: Never
  containers:
    - { name: kept, image: kept:1 }
    - { name: hidden, image: hidden:1 }
`);
  const done = await waitForPod(layout, rec.uid, (r) => r.released, { timeoutMs: 60_000 });
  const lines = async (c: string): Promise<string[]> => {
    const out: string[] = [];
    for await (const e of readLogs(containerLogPath(layout, rec.uid, c)))
      out.push(e.line.toString('utf8'));
    return out;
  };
  const exit = (c: string): number | undefined =>
    done.status.containerStatuses.find((s) => s.name === c)?.state.terminated?.exitCode;
  assert.equal(exit('kept'), 0);
  assert.deepEqual(await lines('kept'), ['kept-program-ran', 'read-only']);
  // Without `keep`, /tmp is an empty tmpfs in the container: sh cannot open the script.
  assert.equal(exit('hidden'), 2);
});
