import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { parseManifests } from '../spec/manifests.js';
import type { PersistentVolumeClaim } from '../spec/types.js';
import { stateLayout } from '../state/state-root.js';
import {
  applyClaimRecords,
  ensureClaimRecords,
  listClaimRecords,
  removeClaimRecord,
} from './claim-store.js';

function claim(storage = '1Gi', modes = '[ReadWriteOnce]', name = 'data'): PersistentVolumeClaim {
  const set = parseManifests(
    `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: ${name}}\nspec: {accessModes: ${modes}, resources: {requests: {storage: ${storage}}}}\n`,
    'c.yaml',
  );
  const c = set.persistentVolumeClaims[0];
  assert.ok(c, JSON.stringify(set.diagnostics));
  return c;
}

describe('claim store', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-claims-'));
  after(() => rm(root, { recursive: true, force: true }));
  const layout = stateLayout(root);

  it('a new claim is bound to a directory of its own (pvc-<uid>_<ns>_<name>, 0777 under a 0700 place)', async () => {
    const { records, created } = await applyClaimRecords(layout, [claim()], 'c.yaml');
    assert.equal(created.length, 1);
    const r = records[0];
    assert.ok(r);
    assert.equal(r.volumeName, `pvc-${r.uid}`);
    assert.equal(r.path, path.join(root, 'volumes', `pvc-${r.uid}_default_data`));
    assert.equal((await stat(r.path)).mode & 0o777, 0o777);
    assert.equal((await stat(path.dirname(r.path))).mode & 0o777, 0o700);
    await writeFile(path.join(r.path, 'f'), 'kept');
  });

  it('applied again: the same claim, directory and data; a larger request is taken', async () => {
    const [before] = await listClaimRecords(layout); // the only one so far
    const { records, created } = await applyClaimRecords(layout, [claim('2Gi')], 'c.yaml');
    assert.deepEqual(created, []);
    assert.equal(records[0]?.uid, before?.uid);
    assert.equal(records[0]?.claim.spec.storage, '2Gi');
    assert.equal(await readFile(path.join(before?.path ?? '', 'f'), 'utf8'), 'kept');
  });

  it('a smaller request or other access modes are refused (CLAIM_INVALID), nothing written', async () => {
    for (const c of [claim('1Gi'), claim('2Gi', '[ReadWriteMany]')]) {
      await assert.rejects(
        applyClaimRecords(layout, [claim('5Gi', '[ReadWriteOnce]', 'other'), c], 'c.yaml'),
        (err: unknown) => isPodkitError(err) && err.code === 'CLAIM_INVALID',
      );
    }
    assert.deepEqual(
      (await listClaimRecords(layout)).map((r) => r.claim.metadata.name),
      ['data'],
    );
  });

  it("a controller's claims: missing ones made, existing ones used as they are", async () => {
    const out = await ensureClaimRecords(
      layout,
      [claim('9Gi'), claim('1Gi', '[ReadWriteOnce]', 'data-db-0')],
      'sts.yaml',
    );
    assert.equal(out[0]?.claim.spec.storage, '2Gi');
    assert.equal(out[1]?.claim.metadata.name, 'data-db-0');
    assert.equal((await listClaimRecords(layout)).length, 2);
  });

  it('removal takes the record and the directory with its data', async () => {
    const r = (await listClaimRecords(layout)).find((x) => x.claim.metadata.name === 'data');
    assert.ok(r);
    assert.equal(await removeClaimRecord(layout, 'default', 'data'), true);
    assert.equal(existsSync(r.path), false);
    assert.equal(await removeClaimRecord(layout, 'default', 'data'), false);
  });
});
