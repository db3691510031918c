import { randomInt } from 'node:crypto';
import { serviceError, RuntimeErrorCode } from '../errors.js';

/**
 * The range ClusterIPs come from: Kubernetes' default service range is 10.96.0.0/12; podkit
 * takes its first /16 (65,534 Services), apart from the pod network (10.89.0.0/16). 10.96.0.1
 * is kept for the `kubernetes` Service of the API (as kube-apiserver keeps the range's first).
 */
export const SERVICE_CIDR = '10.96.0.0/16';
const BASE = ipToInt('10.96.0.0');
const SIZE = 1 << 16;
const RESERVED = new Set([BASE, BASE + 1, BASE + SIZE - 1]);

/** NodePort range (kube-apiserver's default --service-node-port-range). */
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  return (
    (((parts[0] ?? 0) << 24) |
      ((parts[1] ?? 0) << 16) |
      ((parts[2] ?? 0) << 8) |
      (parts[3] ?? 0)) >>>
    0
  );
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function inServiceRange(ip: string): boolean {
  const n = ipToInt(ip);
  return n >= BASE && n < BASE + SIZE;
}

/**
 * A ClusterIP for a new Service: the one asked for (it must be in the range and free), or a
 * free one at random (as the API server's allocator: random, so a deleted Service's address is
 * not handed out again at once).
 */
export function allocateClusterIP(used: ReadonlySet<string>, requested?: string): string {
  if (requested !== undefined) {
    if (!inServiceRange(requested) || RESERVED.has(ipToInt(requested)))
      throw serviceError(
        RuntimeErrorCode.SERVICE_INVALID,
        `clusterIP ${requested} is not in podkit's service range ${SERVICE_CIDR} (or is reserved)`,
        { hint: 'omit spec.clusterIP to have one allocated' },
      );
    if (used.has(requested))
      throw serviceError(
        RuntimeErrorCode.SERVICE_INVALID,
        `clusterIP ${requested} is already allocated to another Service`,
        { hint: 'omit spec.clusterIP to have one allocated' },
      );
    return requested;
  }
  if (used.size >= SIZE - RESERVED.size)
    throw serviceError(
      RuntimeErrorCode.SERVICE_INVALID,
      `the service range ${SERVICE_CIDR} is full`,
    );
  for (;;) {
    const n = BASE + randomInt(SIZE);
    const ip = intToIp(n);
    if (!RESERVED.has(n) && !used.has(ip)) return ip;
  }
}

/** A NodePort: the one asked for (free, in range) or a free one at random. */
export function allocateNodePort(used: ReadonlySet<number>, requested?: number): number {
  if (requested !== undefined) {
    if (used.has(requested))
      throw serviceError(
        RuntimeErrorCode.SERVICE_INVALID,
        `nodePort ${requested} is already allocated to another Service`,
        { hint: 'omit nodePort to have one allocated' },
      );
    return requested;
  }
  const free = NODE_PORT_MAX - NODE_PORT_MIN + 1 - used.size;
  if (free <= 0)
    throw serviceError(
      RuntimeErrorCode.SERVICE_INVALID,
      'every NodePort (30000–32767) is allocated',
    );
  for (;;) {
    const p = NODE_PORT_MIN + randomInt(NODE_PORT_MAX - NODE_PORT_MIN + 1);
    if (!used.has(p)) return p;
  }
}
