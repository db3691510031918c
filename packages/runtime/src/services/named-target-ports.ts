import { RuntimeErrorCode, serviceError } from '../errors.js';
import type { Pod, Service } from '../spec/types.js';
import type { Workload } from '../workloads/workload-store.js';
import { selects } from './endpoints.js';

/**
 * A Service port that targets a port *name* must find it on the pods it selects: when the
 * file's own pods are selected and none has a container port of that name (and protocol), the
 * Service could never have an endpoint for it — a typo; refused before anything is created.
 * The file's workloads count with their pod templates (their pods are made later).
 */
export function checkNamedTargetPorts(
  services: readonly Service[],
  pods: readonly Pod[],
  workloads: readonly Workload[],
): void {
  // The file's pods and its workloads' pod templates (their pods are made later).
  const selectable = [
    ...pods.map((p) => ({
      name: p.metadata.name,
      namespace: p.metadata.namespace,
      labels: p.metadata.labels,
      spec: p.spec,
    })),
    ...workloads.map((w) => ({
      name: `${w.kind.toLowerCase()}/${w.metadata.name}`,
      namespace: w.metadata.namespace,
      labels: w.spec.template.metadata.labels,
      spec: w.spec.template.spec,
    })),
  ];
  const problems: string[] = [];
  for (const s of services) {
    const selected = selectable.filter(
      (p) => p.namespace === s.metadata.namespace && selects(s.spec.selector, p.labels),
    );
    if (selected.length === 0) continue;
    for (const port of s.spec.ports) {
      if (typeof port.targetPort !== 'string') continue;
      const named = selected.flatMap((p) =>
        [...p.spec.initContainers, ...p.spec.containers].flatMap((c) =>
          c.ports.filter((cp) => cp.name !== undefined).map((cp) => ({ pod: p, cp })),
        ),
      );
      if (named.some(({ cp }) => cp.name === port.targetPort && cp.protocol === port.protocol))
        continue;
      const names = [...new Set(named.map(({ cp }) => `${cp.name ?? ''}/${cp.protocol}`))];
      problems.push(
        `Service ${s.metadata.namespace}/${s.metadata.name} (${s.origin.file}:${s.origin.line}): port ${port.name ?? String(port.port)} targets the port name "${port.targetPort}" (${port.protocol}), which no container of the pods it selects has (${selected.map((p) => p.name).join(', ')}: ${names.length > 0 ? names.join(', ') : 'no named ports'})`,
      );
    }
  }
  if (problems.length > 0)
    throw serviceError(RuntimeErrorCode.SERVICE_INVALID, problems.join('; '), {
      hint: 'name the container port (ports[].name) as the Service targetPort says, or target the port number',
    });
}
