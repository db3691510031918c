import { expandVariables } from '../oci/expand-env.js';
import type { EnvEntry } from '../oci/expand-env.js';
import type { Container, ConfigMap, EnvVar, Secret } from '../spec/types.js';
import { fieldRefValue, resourceFieldRefValue } from '../volumes/downward-api.js';
import type { DownwardFacts } from '../volumes/types.js';

/** The configMaps and secrets a pod may refer to, by name (from its manifest set). */
export interface PodObjects {
  configMaps: ReadonlyMap<string, ConfigMap>;
  secrets: ReadonlyMap<string, Secret>;
}

/** Keys envFrom may import: kubelet skips (and reports) names that are not valid env names. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function configMapValue(cm: ConfigMap, key: string): string | undefined {
  return cm.data[key] ?? cm.binaryData[key]?.toString('utf8');
}

/**
 * A container's environment as kubelet computes it (makeEnvironmentVariables): envFrom
 * sources first, in order, values taken verbatim; then `env` entries in order, literal
 * values `$(VAR)`-expanded against everything defined before them, valueFrom values
 * verbatim; later names win. `problems` lists every missing non-optional reference (the pod
 * is then refused at admission; kubelet would report CreateContainerConfigError).
 * `facts` may be undefined at admission, before the pod has an IP. `serviceEnv` (the Services'
 * variables, see services/service-env.ts) come first: the container's own win over them, and
 * `$(VAR)` may refer to them, as in kubelet.
 */
export function resolveContainerEnv(
  container: Container,
  objects: PodObjects,
  facts: DownwardFacts | undefined,
  serviceEnv: readonly EnvVar[] = [],
): { env: EnvEntry[]; problems: string[] } {
  const values = new Map<string, string>();
  for (const e of serviceEnv) values.set(e.name, e.value ?? '');
  const problems: string[] = [];
  const where = `container "${container.name}"`;
  for (const src of container.envFrom) {
    const prefix = src.prefix ?? '';
    let entries: [string, string][] | undefined;
    if (src.configMapRef !== undefined) {
      const cm = objects.configMaps.get(src.configMapRef.name);
      if (cm === undefined) {
        if (!src.configMapRef.optional)
          problems.push(`${where}: envFrom configMap "${src.configMapRef.name}" not found`);
      } else {
        entries = [
          ...Object.entries(cm.data),
          ...Object.entries(cm.binaryData).map(([k, v]): [string, string] => [
            k,
            v.toString('utf8'),
          ]),
        ];
      }
    } else if (src.secretRef !== undefined) {
      const s = objects.secrets.get(src.secretRef.name);
      if (s === undefined) {
        if (!src.secretRef.optional)
          problems.push(`${where}: envFrom secret "${src.secretRef.name}" not found`);
      } else {
        entries = Object.entries(s.data).map(([k, v]) => [k, v.toString('utf8')]);
      }
    }
    for (const [k, v] of entries ?? []) {
      const name = prefix + k;
      if (ENV_NAME.test(name)) values.set(name, v);
    }
  }
  for (const e of container.env) {
    if (e.valueFrom === undefined) {
      values.set(
        e.name,
        expandVariables(e.value ?? '', (ref) => values.get(ref)),
      );
      continue;
    }
    const from = e.valueFrom;
    let value: string | undefined;
    if (from.configMapKeyRef !== undefined) {
      const ref = from.configMapKeyRef;
      const cm = objects.configMaps.get(ref.name);
      value = cm === undefined ? undefined : configMapValue(cm, ref.key);
      if (value === undefined && !ref.optional) {
        problems.push(
          cm === undefined
            ? `${where}: env ${e.name}: configMap "${ref.name}" not found`
            : `${where}: env ${e.name}: configMap "${ref.name}" has no key "${ref.key}"`,
        );
      }
    } else if (from.secretKeyRef !== undefined) {
      const ref = from.secretKeyRef;
      const s = objects.secrets.get(ref.name);
      value = s?.data[ref.key]?.toString('utf8');
      if (value === undefined && !ref.optional) {
        problems.push(
          s === undefined
            ? `${where}: env ${e.name}: secret "${ref.name}" not found`
            : `${where}: env ${e.name}: secret "${ref.name}" has no key "${ref.key}"`,
        );
      }
    } else if (from.fieldRef !== undefined) {
      value = facts === undefined ? '' : fieldRefValue(from.fieldRef, facts);
    } else if (from.resourceFieldRef !== undefined) {
      value =
        facts === undefined
          ? ''
          : resourceFieldRefValue(from.resourceFieldRef, facts, container.name);
    }
    // An optional reference that is missing leaves the variable unset, as kubelet does.
    if (value !== undefined) values.set(e.name, value);
  }
  return { env: [...values].map(([name, value]) => ({ name, value })), problems };
}
