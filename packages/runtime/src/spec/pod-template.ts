import { readObjectMeta } from './meta.js';
import { readPodSpec, type RestartRule } from './pod-spec.js';
import type { Fields } from './reader.js';
import type { LabelSelector, PodTemplateSpec } from './types.js';
import { selectorMatches, selectorText } from './workloads.js';
import { childPath } from './yaml-documents.js';

/**
 * Reads `template` (a core/v1 PodTemplateSpec) of a Job or DaemonSet: its labels must satisfy
 * `selector` when one is given (ValidatePodTemplateSpecForReplicaSet's rule), its pod spec is
 * validated with the kind's restart rule. Undefined when it is missing or invalid (reported).
 */
export function readPodTemplate(
  f: Fields,
  selector: LabelSelector | undefined,
  restart: RestartRule,
): PodTemplateSpec | undefined {
  return f.object(
    'template',
    (t) => {
      const meta = t.object('metadata', (m) => readObjectMeta(m, false));
      const spec = t.object('spec', (s) => readPodSpec(s, restart), { required: 'the pod spec' });
      const labels = meta?.labels ?? {};
      if (selector !== undefined && !selectorMatches(selector, labels))
        t.ctx.error(
          childPath(childPath(t.path, 'metadata'), 'labels'),
          `\`selector\` does not match template \`labels\` (${selectorText(selector)})`,
        );
      if (spec === undefined) return undefined;
      const out: PodTemplateSpec = {
        metadata: { labels, annotations: meta?.annotations ?? {} },
        spec,
      };
      return out;
    },
    { required: 'the pod template' },
  );
}
