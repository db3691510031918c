import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { RuntimeErrorCode, claimError } from '../errors.js';
import { mountsUnder } from '../host/mounts.js';
import { nowRfc3339 } from '../pod/pod-status.js';
import { compareQuantities, parseQuantity } from '../spec/quantity.js';
import type { PersistentVolumeClaim } from '../spec/types.js';
import { readJsonFile, writeJsonAtomic } from '../state/atomic-write.js';
import { checkPathSegment, type StateLayout } from '../state/state-root.js';

/**
 * A PersistentVolumeClaim as the node keeps it: `<root>/claims/<namespace>/<name>.json`, bound
 * at creation to a directory of its own, `<root>/volumes/pvc-<uid>_<namespace>_<name>` (the
 * local-path provisioner's layout). The directory outlives every pod that mounts it; it goes
 * with the claim only. The size asked for is kept, not enforced.
 */
export interface ClaimRecord {
  version: 1;
  /** The claim's metadata.uid (a claim deleted and made again is a new, empty one). */
  uid: string;
  createdAt: string;
  /** The manifest file it came from (a StatefulSet's claims: the StatefulSet's). */
  source: string;
  claim: PersistentVolumeClaim;
  /** Kubernetes' spec.volumeName: the PersistentVolume it is bound to, `pvc-<uid>`. */
  volumeName: string;
  /** The directory the claim is bound to. */
  path: string;
}

function claimsDir(layout: StateLayout): string {
  return path.join(layout.root, 'claims');
}

/** Where claims' directories live (0700: only through a pod's mount is one reached). */
export function claimVolumesDir(layout: StateLayout): string {
  return path.join(layout.root, 'volumes');
}

function recordFile(layout: StateLayout, namespace: string, name: string): string {
  return path.join(
    claimsDir(layout),
    checkPathSegment(namespace, 'namespace'),
    `${checkPathSegment(name, 'claim name')}.json`,
  );
}

/** Every claim of the state root, by namespace then name. */
export async function listClaimRecords(layout: StateLayout): Promise<ClaimRecord[]> {
  const out: ClaimRecord[] = [];
  const namespaces = await readdir(claimsDir(layout)).catch(() => [] as string[]);
  for (const ns of namespaces.sort()) {
    const files = await readdir(path.join(claimsDir(layout), ns)).catch(() => [] as string[]);
    for (const f of files.sort()) {
      if (!f.endsWith('.json')) continue;
      const value = (await readJsonFile(path.join(claimsDir(layout), ns, f)).catch(
        () => undefined,
      )) as ClaimRecord | undefined;
      if (value?.version === 1) out.push(value);
    }
  }
  return out;
}

/** The claim `namespace/name`, if there is one. */
export async function findClaimRecord(
  layout: StateLayout,
  namespace: string,
  name: string,
): Promise<ClaimRecord | undefined> {
  const value = (await readJsonFile(recordFile(layout, namespace, name)).catch(() => undefined)) as
    ClaimRecord | undefined;
  return value?.version === 1 ? value : undefined;
}

/**
 * Why `next` cannot replace the claim `old` (the API server's ValidatePersistentVolumeClaimUpdate:
 * a bound claim's spec is immutable except for a larger storage request), or undefined.
 */
export function claimUpdateProblem(
  old: PersistentVolumeClaim,
  next: PersistentVolumeClaim,
): string | undefined {
  if (JSON.stringify(old.spec.accessModes) !== JSON.stringify(next.spec.accessModes))
    return `spec.accessModes is immutable once the claim is bound (it is ${old.spec.accessModes.join(', ')})`;
  if (old.spec.storageClassName !== next.spec.storageClassName)
    return `spec.storageClassName is immutable once the claim is bound (it is ${old.spec.storageClassName ?? 'unset'})`;
  if (compareQuantities(parseQuantity(next.spec.storage), parseQuantity(old.spec.storage)) < 0)
    return `spec.resources.requests.storage can not be less than the previous value (${old.spec.storage})`;
  return undefined;
}

async function createClaim(
  layout: StateLayout,
  claim: PersistentVolumeClaim,
  source: string,
): Promise<ClaimRecord> {
  const { namespace, name } = claim.metadata;
  const uid = randomUUID();
  const volumeName = `pvc-${uid}`;
  const base = claimVolumesDir(layout);
  await mkdir(base, { recursive: true, mode: 0o700 });
  const dir = path.join(
    base,
    `${volumeName}_${checkPathSegment(namespace, 'namespace')}_${checkPathSegment(name, 'claim name')}`,
  );
  // World-writable as local-path's directories (and emptyDir): a pod's non-root user can write.
  await mkdir(dir, { mode: 0o777 });
  await chmod(dir, 0o777);
  const record: ClaimRecord = {
    version: 1,
    uid,
    createdAt: nowRfc3339(),
    source,
    claim,
    volumeName,
    path: dir,
  };
  const file = recordFile(layout, namespace, name);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeJsonAtomic(file, record, 0o600);
  return record;
}

/**
 * Creates or updates the claims of one file (callers hold the state root's lock). Every claim
 * is checked before any is created: all or none. An existing claim keeps its uid and its
 * directory (and data); it may only ask for more storage. `created`: the new ones (what a
 * failed apply removes again).
 */
export async function applyClaimRecords(
  layout: StateLayout,
  claims: readonly PersistentVolumeClaim[],
  /** The records' source; undefined: each object's own file (`origin.file`). */
  source: string | undefined,
): Promise<{ records: ClaimRecord[]; created: ClaimRecord[] }> {
  const existing = await listClaimRecords(layout);
  const find = (c: PersistentVolumeClaim) =>
    existing.find(
      (r) =>
        r.claim.metadata.namespace === c.metadata.namespace &&
        r.claim.metadata.name === c.metadata.name,
    );
  for (const c of claims) {
    const old = find(c);
    const problem = old === undefined ? undefined : claimUpdateProblem(old.claim, c);
    if (problem !== undefined)
      throw claimError(
        RuntimeErrorCode.CLAIM_INVALID,
        `PersistentVolumeClaim ${c.metadata.namespace}/${c.metadata.name} (${c.origin.file}:${c.origin.line}): ${problem}`,
        {
          hint: 'keep the claim as it is, or remove it first: `podkit down pvc/NAME` (its data goes)',
        },
      );
  }
  const records: ClaimRecord[] = [];
  const created: ClaimRecord[] = [];
  try {
    for (const c of claims) {
      const old = find(c);
      if (old === undefined) {
        const r = await createClaim(layout, c, source ?? c.origin.file);
        created.push(r);
        records.push(r);
        continue;
      }
      const r = { ...old, source: source ?? c.origin.file, claim: c };
      await writeJsonAtomic(recordFile(layout, c.metadata.namespace, c.metadata.name), r, 0o600);
      records.push(r);
    }
  } catch (err) {
    for (const r of created)
      await removeClaimRecord(layout, r.claim.metadata.namespace, r.claim.metadata.name).catch(
        () => false,
      );
    throw err;
  }
  return { records, created };
}

/**
 * The claims a controller needs (a StatefulSet's, from its templates): the missing ones are
 * created, existing ones are used as they are — as the StatefulSet controller does, whatever
 * their spec. Callers hold the state root's lock.
 */
export async function ensureClaimRecords(
  layout: StateLayout,
  claims: readonly PersistentVolumeClaim[],
  source: string,
): Promise<ClaimRecord[]> {
  const out: ClaimRecord[] = [];
  for (const c of claims) {
    const old = await findClaimRecord(layout, c.metadata.namespace, c.metadata.name);
    out.push(old ?? (await createClaim(layout, c, source)));
  }
  return out;
}

/**
 * Removes a claim's record, then its directory with the data (never through a mount inside
 * it). False when there was no such claim. Callers make sure no pod uses it.
 */
export async function removeClaimRecord(
  layout: StateLayout,
  namespace: string,
  name: string,
): Promise<boolean> {
  const record = await findClaimRecord(layout, namespace, name);
  if (record === undefined) return false;
  if ((await mountsUnder(record.path)).length > 0)
    throw claimError(
      RuntimeErrorCode.CLAIM_IN_USE,
      `the directory of PersistentVolumeClaim ${namespace}/${name} (${record.path}) still has mounts`,
      { hint: 'run `podkit gc`, then remove the claim again' },
    );
  await rm(recordFile(layout, namespace, name), { force: true });
  // Only a directory of the claims' own place, named as createClaim names them, is removed.
  if (
    path.dirname(record.path) === claimVolumesDir(layout) &&
    path.basename(record.path).startsWith(`${record.volumeName}_`)
  )
    await rm(record.path, { recursive: true, force: true });
  return true;
}
