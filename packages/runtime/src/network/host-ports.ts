import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import type { PortMapping } from './pod-network.js';

/** A hostPort that cannot be published, and why. */
export interface HostPortConflict {
  readonly mapping: PortMapping;
  readonly reason: string;
}

/** A hostPort already published by another pod. */
export interface PublishedHostPort {
  readonly mapping: PortMapping;
  /** Who publishes it (e.g. `pod default/web`). */
  readonly owner: string;
}

const ANY = new Set(['', '0.0.0.0', '::']);

function overlaps(a: PortMapping, b: PortMapping): boolean {
  if (a.hostPort !== b.hostPort || a.protocol !== b.protocol) return false;
  const ha = a.hostIP ?? '';
  const hb = b.hostIP ?? '';
  return ANY.has(ha) || ANY.has(hb) || ha === hb;
}

function show(m: PortMapping): string {
  const host = m.hostIP === undefined || m.hostIP === '' ? '' : `${m.hostIP}:`;
  return `hostPort ${host}${m.hostPort}/${m.protocol}`;
}

/**
 * Admission check for hostPorts: each mapping must not repeat within the pod, not be published
 * by another pod (`published`; portmap's DNAT does not bind the port, so only podkit's records
 * know), and not be bound by a host socket (tried by binding it for a moment). Returns every
 * conflict; empty means all free.
 *
 * @example
 *   const conflicts = await findHostPortConflicts([{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], []);
 */
export async function findHostPortConflicts(
  mappings: readonly PortMapping[],
  published: readonly PublishedHostPort[],
): Promise<HostPortConflict[]> {
  const conflicts: HostPortConflict[] = [];
  mappings.forEach((m, i) => {
    const dup = mappings.slice(0, i).find((o) => overlaps(o, m));
    if (dup !== undefined)
      conflicts.push({ mapping: m, reason: `${show(m)} is listed twice in this pod` });
  });
  for (const m of mappings) {
    if (conflicts.some((c) => c.mapping === m)) continue;
    const other = published.find((p) => overlaps(p.mapping, m));
    if (other !== undefined) {
      conflicts.push({ mapping: m, reason: `${show(m)} is already published by ${other.owner}` });
      continue;
    }
    if (m.protocol === 'sctp') continue; // node cannot bind SCTP; nothing to try
    const err = await tryBind(m);
    if (err !== undefined) {
      conflicts.push({ mapping: m, reason: `${show(m)} is taken on this host (${err})` });
    }
  }
  return conflicts;
}

/** Binds the port briefly; returns the error code when it cannot. */
async function tryBind(m: PortMapping): Promise<string | undefined> {
  const host = m.hostIP === undefined || m.hostIP === '' ? '0.0.0.0' : m.hostIP;
  if (m.protocol === 'udp') {
    return new Promise((resolve) => {
      const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      sock.once('error', (e: NodeJS.ErrnoException) => {
        sock.close();
        resolve(e.code ?? e.message);
      });
      sock.bind({ port: m.hostPort, address: host, exclusive: true }, () => {
        sock.close(() => {
          resolve(undefined);
        });
      });
    });
  }
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => {
      resolve(e.code ?? e.message);
    });
    server.listen({ port: m.hostPort, host, exclusive: true }, () => {
      server.close(() => {
        resolve(undefined);
      });
    });
  });
}
