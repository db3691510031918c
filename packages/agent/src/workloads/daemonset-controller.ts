import type { DaemonSetRecord, Pod, PodRecord } from '@podkit/runtime';
import type { ControllerContext } from './controller-context.js';
import { planDaemonSet, type DaemonPod } from './daemonset-plan.js';
import { podTemplateHash, randomSuffix } from './names.js';
import { availableAt, isAvailable } from './pod-order.js';
import { podsOf } from './workload-objects.js';

/** The label Kubernetes marks a DaemonSet's pods with the revision of their template. */
export const REVISION_HASH = 'controller-revision-hash';

/** The hash of a DaemonSet's current template. */
export function daemonSetHash(ds: DaemonSetRecord): string {
  return podTemplateHash(ds.object.spec.template);
}

/** A DaemonSet's pod as its controller sees it. */
export function daemonPodState(
  p: PodRecord,
  hash: string,
  minReadySeconds: number,
  deleting: Pick<ReadonlySet<string>, 'has'>,
  now: number,
): DaemonPod {
  const ended = p.released || p.status.phase === 'Succeeded' || p.status.phase === 'Failed';
  const terminating = deleting.has(p.uid) || p.deletionTimestamp !== undefined;
  return {
    uid: p.uid,
    createdAt: p.createdAt,
    current: p.pod.metadata.labels[REVISION_HASH] === hash,
    state: terminating ? 'terminating' : ended ? 'ended' : 'active',
    available: !ended && !terminating && isAvailable(p, minReadySeconds, now),
  };
}

/** The DaemonSet's pod for this machine: `<name>-<5 random>`, its template, owned. */
export function daemonSetPodFor(ds: DaemonSetRecord, hash: string): Pod {
  const { metadata, spec, origin } = ds.object;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${metadata.name}-${randomSuffix()}`,
      namespace: metadata.namespace,
      labels: { ...spec.template.metadata.labels, [REVISION_HASH]: hash },
      annotations: { ...spec.template.metadata.annotations },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          name: metadata.name,
          uid: ds.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: spec.template.spec,
    origin: { ...origin, kind: 'DaemonSet' },
  };
}

/** The DaemonSet controller: each sync one step of planDaemonSet. */
export async function syncDaemonSet(
  ctx: ControllerContext,
  ds: DaemonSetRecord,
  pods: readonly PodRecord[],
): Promise<void> {
  const { namespace, name } = ds.object.metadata;
  const hash = daemonSetHash(ds);
  const min = ds.object.spec.minReadySeconds;
  const now = ctx.now();
  const mine = podsOf(ds.uid, pods);
  const plan = planDaemonSet(
    ds.object.spec.updateStrategy,
    mine.map((p) => daemonPodState(p, hash, min, ctx.deleting, now)),
  );
  for (const d of plan.delete) {
    const p = mine.find((x) => x.uid === d.uid);
    if (p !== undefined) ctx.delete(p, d.why);
  }
  for (const p of mine) ctx.wakeAt(availableAt(p, min, now));
  if (plan.create && !ctx.creationDelayed(ds.uid))
    await ctx.create(ds.uid, `DaemonSet ${namespace}/${name}`, daemonSetPodFor(ds, hash));
}
