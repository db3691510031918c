import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isPodkitError } from '@podkit/kit';
import { execHook } from './exec-hook.js';

test('the hook runs in the tree with GITSYNC_HASH; non-zero exit is GIT_SYNC_HOOK_FAILED', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'podkit-gs-hook-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  await fs.writeFile(path.join(dir, 'ok'), 'yes');
  const script =
    'const fs=require("fs");fs.writeFileSync("seen",process.env.GITSYNC_HASH+" "+process.cwd());' +
    'if(!fs.existsSync("ok")){console.error("missing ok file");process.exit(4)}';
  const hook = execHook([process.execPath, '-e', script]);
  const sha = 'a'.repeat(40);
  await hook({ sha, path: dir, signal: AbortSignal.timeout(30_000) });
  assert.equal(await fs.readFile(path.join(dir, 'seen'), 'utf8'), `${sha} ${dir}`);

  await fs.rm(path.join(dir, 'ok'));
  await assert.rejects(hook({ sha, path: dir, signal: AbortSignal.timeout(30_000) }), (err) => {
    assert.ok(isPodkitError(err, 'GIT_SYNC_HOOK_FAILED'));
    assert.match(err.message, /exit 4.*missing ok file/);
    return true;
  });
});
