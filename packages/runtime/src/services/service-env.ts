import type { EnvVar } from '../spec/types.js';

/** A Service as the environment of a pod sees it: name, ClusterIP and ports. */
export interface ServiceEnvInput {
  name: string;
  clusterIP: string;
  ports: readonly { name: string | undefined; port: number; protocol: string }[];
}

function envName(service: string): string {
  return service.toUpperCase().replace(/-/g, '_');
}

/**
 * The variables the kubelet gives every container for each Service of its namespace that
 * existed when the pod started (and had a ClusterIP): `{SVC}_SERVICE_HOST`,
 * `{SVC}_SERVICE_PORT`, `{SVC}_SERVICE_PORT_{PORT}` for named ports, and Docker-link style
 * `{SVC}_PORT`, `{SVC}_PORT_{port}_{PROTO}[_PROTO|_PORT|_ADDR]` (kubelet's envvars.FromServices).
 * Sorted by Service name; a container's own env comes after them and wins.
 *
 * @example
 *   serviceEnvVars([{ name: 'redis-master', clusterIP: '10.96.3.4', ports: [{ name: undefined, port: 6379, protocol: 'TCP' }] }])
 *   // REDIS_MASTER_SERVICE_HOST=10.96.3.4, REDIS_MASTER_SERVICE_PORT=6379, REDIS_MASTER_PORT=tcp://10.96.3.4:6379, …
 */
export function serviceEnvVars(services: readonly ServiceEnvInput[]): EnvVar[] {
  const out: EnvVar[] = [];
  const sorted = [...services].sort((a, b) => a.name.localeCompare(b.name));
  for (const s of sorted) {
    if (s.clusterIP === '' || s.clusterIP === 'None') continue;
    const name = envName(s.name);
    out.push({ name: `${name}_SERVICE_HOST`, value: s.clusterIP });
    const first = s.ports[0];
    if (first === undefined) continue;
    out.push({ name: `${name}_SERVICE_PORT`, value: String(first.port) });
    for (const p of s.ports) {
      if (p.name !== undefined && p.name !== '')
        out.push({ name: `${name}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    }
    const proto = first.protocol.toLowerCase();
    out.push({ name: `${name}_PORT`, value: `${proto}://${s.clusterIP}:${first.port}` });
    for (const p of s.ports) {
      const pr = p.protocol.toLowerCase();
      const prefix = `${name}_PORT_${p.port}_${p.protocol.toUpperCase()}`;
      out.push({ name: prefix, value: `${pr}://${s.clusterIP}:${p.port}` });
      out.push({ name: `${prefix}_PROTO`, value: pr });
      out.push({ name: `${prefix}_PORT`, value: String(p.port) });
      out.push({ name: `${prefix}_ADDR`, value: s.clusterIP });
    }
  }
  return out;
}
