import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { stateLayout } from '../state/state-root.js';
import { NodeRuntime } from './node-runtime.js';

test('one runtime per state root: a second is refused (AGENT_RUNNING) until the first lets go', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-node-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const layout = stateLayout(root);
  const first = await NodeRuntime.open({ layout });
  await assert.rejects(NodeRuntime.open({ layout }), (err: unknown) => {
    assert.ok(isPodkitError(err, 'AGENT_RUNNING'), String(err));
    assert.match(err.message, new RegExp(`another podkit agent runs for the state root ${root}`));
    assert.match(err.hint ?? '', /podkit agent stop/);
    return true;
  });
  await first.close();
  const second = await NodeRuntime.open({ layout });
  await second.close();
});
