/**
 * Discovery: `/version`, `/api`, `/api/v1`, `/apis` — what kubectl reads first (and caches
 * under its --cache-dir) to map `po`, `pods`, `pod/web` to URLs. Legacy (unaggregated) JSON:
 * kubectl asks for aggregated discovery first and takes plain APIResourceList answers too.
 */
import { CORE_V1, CORE_V1_SUBRESOURCES } from './resources.js';

/** The Kubernetes version this API speaks (the resources' schemas follow it). */
export const KUBE_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0+podkit' } as const;

export function versionInfo(): Record<string, string> {
  return {
    ...KUBE_VERSION,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'podkit',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** No API groups are served yet (apps, batch come later): an empty APIGroupList. */
export function apiGroupList(): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
}

export function coreV1ResourceList(): unknown {
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      ...CORE_V1.map((r) => {
        const o: Record<string, unknown> = {
          name: r.name,
          singularName: r.singularName,
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: r.verbs,
        };
        if (r.shortNames !== undefined) o.shortNames = r.shortNames;
        if (r.categories !== undefined) o.categories = r.categories;
        return o;
      }),
      ...CORE_V1_SUBRESOURCES,
    ],
  };
}
