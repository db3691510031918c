/**
 * Discovery: `/version`, `/api`, `/api/v1`, `/apis` — what kubectl reads first (and caches
 * under its --cache-dir) to map `po`, `pods`, `pod/web` to URLs. Legacy (unaggregated) JSON:
 * kubectl asks for aggregated discovery first and takes plain APIResourceList answers too.
 */
import { GROUPS, RESOURCES, SUBRESOURCES, groupVersion, type Group } from './resources.js';

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

/** The groups besides the core one, each with its one version (apps, batch). */
export function apiGroupList(): unknown {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: GROUPS.map((g) => apiGroup(g)),
  };
}

/** `/apis/GROUP`: the group and its versions. */
export function apiGroup(group: Exclude<Group, ''>): Record<string, unknown> {
  const v = { groupVersion: groupVersion(group), version: 'v1' };
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [v], preferredVersion: v };
}

/** `/api/v1` or `/apis/GROUP/v1`: the group-version's resources and subresources. */
export function resourceList(group: Group): unknown {
  return {
    kind: 'APIResourceList',
    ...(group === '' ? {} : { apiVersion: 'v1' }),
    groupVersion: groupVersion(group),
    // Resources and subresources alike (ResourceInfo's fields; a Scale names its group).
    resources: [...RESOURCES, ...SUBRESOURCES]
      .filter((r) => r.group === group)
      .map((r) => {
        const o: Record<string, unknown> = {
          name: r.name,
          singularName: r.singularName,
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: r.verbs,
        };
        if ('shortNames' in r && r.shortNames !== undefined) o.shortNames = r.shortNames;
        if ('categories' in r && r.categories !== undefined) o.categories = r.categories;
        if (r.kind === 'Scale') Object.assign(o, { group: 'autoscaling', version: 'v1' });
        return o;
      }),
  };
}
