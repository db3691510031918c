import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { serviceError, RuntimeErrorCode } from '../errors.js';
import { nowRfc3339 } from '../pod/pod-status.js';
import { readJsonFile, writeJsonAtomic } from '../state/atomic-write.js';
import { checkPathSegment, type StateLayout } from '../state/state-root.js';
import type { Service } from '../spec/types.js';
import { allocateClusterIP, allocateNodePort } from './service-ips.js';

/**
 * A Service as the node keeps it: `<root>/services/<namespace>/<name>.json`. Its spec has what
 * was allocated filled in (spec.clusterIP — `None` for a headless one —, each NodePort), so the
 * same Service keeps its addresses across agent restarts and re-`up`s.
 */
export interface ServiceRecord {
  version: 1;
  uid: string;
  createdAt: string;
  /** The manifest file it came from. */
  source: string;
  service: Service;
}

function servicesDir(layout: StateLayout): string {
  return path.join(layout.root, 'services');
}

function recordFile(layout: StateLayout, namespace: string, name: string): string {
  return path.join(
    servicesDir(layout),
    checkPathSegment(namespace, 'namespace'),
    `${checkPathSegment(name, 'service name')}.json`,
  );
}

/** Every Service of the state root, by namespace then name. */
export async function listServiceRecords(layout: StateLayout): Promise<ServiceRecord[]> {
  const out: ServiceRecord[] = [];
  const namespaces = await readdir(servicesDir(layout)).catch(() => [] as string[]);
  for (const ns of namespaces.sort()) {
    const files = await readdir(path.join(servicesDir(layout), ns)).catch(() => [] as string[]);
    for (const f of files.sort()) {
      if (!f.endsWith('.json')) continue;
      const value = (await readJsonFile(path.join(servicesDir(layout), ns, f))) as
        ServiceRecord | undefined;
      if (value?.version === 1) out.push(value);
    }
  }
  return out;
}

/**
 * Creates or updates Services (callers hold the state root's lock): a new one gets a ClusterIP
 * (unless headless) and NodePorts; an updated one keeps those it had — its clusterIP cannot
 * change, as in Kubernetes. Every Service is checked before any is written, so a file's
 * Services are applied whole or not at all. Returns the records as written.
 */
export async function applyServiceRecords(
  layout: StateLayout,
  services: readonly Service[],
  /** The records' source; undefined: each object's own file (`origin.file`). */
  source: string | undefined,
  /** Host ports pods publish (hostPort → which pod): no NodePort may take one. */
  hostPorts: ReadonlyMap<number, string> = new Map(),
): Promise<ServiceRecord[]> {
  const existing = await listServiceRecords(layout);
  const key = (ns: string, name: string): string => `${ns}/${name}`;
  const byKey = new Map(
    existing.map((r) => [key(r.service.metadata.namespace, r.service.metadata.name), r]),
  );
  const applying = new Set(services.map((s) => key(s.metadata.namespace, s.metadata.name)));
  const usedIPs = new Set<string>();
  const usedPorts = new Set<number>();
  for (const r of existing) {
    if (applying.has(key(r.service.metadata.namespace, r.service.metadata.name))) continue;
    if (r.service.spec.clusterIP !== undefined) usedIPs.add(r.service.spec.clusterIP);
    for (const p of r.service.spec.ports) if (p.nodePort !== undefined) usedPorts.add(p.nodePort);
  }
  const out: ServiceRecord[] = [];
  for (const s of services) {
    const where = `Service ${s.metadata.namespace}/${s.metadata.name} (${s.origin.file}:${s.origin.line})`;
    const old = byKey.get(key(s.metadata.namespace, s.metadata.name));
    const oldIP = old?.service.spec.clusterIP;
    let clusterIP: string;
    if (s.spec.clusterIP === 'None') {
      if (oldIP !== undefined && oldIP !== 'None') throw immutable(where, oldIP, 'None');
      clusterIP = 'None';
    } else if (old !== undefined && oldIP !== undefined) {
      if (s.spec.clusterIP !== undefined && s.spec.clusterIP !== oldIP)
        throw immutable(where, oldIP, s.spec.clusterIP);
      if (oldIP === 'None') throw immutable(where, 'None', s.spec.clusterIP ?? '(allocated)');
      clusterIP = oldIP;
    } else {
      try {
        clusterIP = allocateClusterIP(usedIPs, s.spec.clusterIP);
      } catch (err) {
        throw withWhere(err, where);
      }
    }
    if (clusterIP !== 'None') usedIPs.add(clusterIP);
    const ports = s.spec.ports.map((p) => {
      if (s.spec.type !== 'NodePort') return { ...p, nodePort: undefined };
      const kept = old?.service.spec.ports.find(
        (o) => o.port === p.port && o.protocol === p.protocol,
      )?.nodePort;
      let nodePort: number;
      const asked = p.nodePort ?? kept;
      const holder = asked === undefined ? undefined : hostPorts.get(asked);
      if (holder !== undefined)
        throw serviceError(
          RuntimeErrorCode.SERVICE_INVALID,
          `${where}: nodePort ${String(asked)} is published as a hostPort by ${holder}`,
          { hint: 'pick another nodePort, or leave it out to have a free one allocated' },
        );
      try {
        nodePort = allocateNodePort(new Set([...usedPorts, ...hostPorts.keys()]), asked);
      } catch (err) {
        throw withWhere(err, where);
      }
      usedPorts.add(nodePort);
      return { ...p, nodePort };
    });
    out.push({
      version: 1,
      uid: old?.uid ?? randomUUID(),
      createdAt: old?.createdAt ?? nowRfc3339(),
      source: source ?? s.origin.file,
      service: { ...s, spec: { ...s.spec, clusterIP, ports } },
    });
  }
  for (const r of out) {
    const { namespace, name } = r.service.metadata;
    const file = recordFile(layout, namespace, name);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeJsonAtomic(file, r, 0o600);
  }
  return out;
}

/** Removes a Service's record; false when there was none. */
export async function removeServiceRecord(
  layout: StateLayout,
  namespace: string,
  name: string,
): Promise<boolean> {
  const file = recordFile(layout, namespace, name);
  const had = (await readJsonFile(file)) !== undefined;
  await rm(file, { force: true });
  return had;
}

function immutable(where: string, from: string, to: string): Error {
  return serviceError(
    RuntimeErrorCode.SERVICE_INVALID,
    `${where}: spec.clusterIP is immutable (it is ${from}, the file asks for ${to})`,
    { hint: 'remove the Service first (podkit down -f FILE), or leave spec.clusterIP out' },
  );
}

function withWhere(err: unknown, where: string): unknown {
  if (err instanceof Error) err.message = `${where}: ${err.message}`;
  return err;
}
