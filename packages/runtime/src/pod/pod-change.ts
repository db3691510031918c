import type { Pod } from '../spec/types.js';

/**
 * What differs between a running pod and the same-named pod of a file applied again: undefined
 * when they are the same pod (labels, annotations and the defaulted spec; where the manifest
 * sits in its file does not count), else the first field that differs, as a path
 * (`spec.containers[0].image`). A Pod is not updated in place (the API server forbids nearly
 * every change of a pod's spec); an unchanged one is left running, as `kubectl apply` says
 * "unchanged".
 *
 * @example
 *   podChange(running.pod, wanted) // 'spec.containers[0].image'
 */
export function podChange(running: Pod, wanted: Pod): string | undefined {
  const view = (p: Pod): unknown =>
    JSON.parse(
      JSON.stringify({
        metadata: { labels: p.metadata.labels, annotations: p.metadata.annotations },
        spec: p.spec,
      }),
    );
  return firstDifference(view(running), view(wanted), '');
}

function firstDifference(a: unknown, b: unknown, at: string): string | undefined {
  if (a === b) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${at}[${String(i)}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = firstDifference(a[k], b[k], at === '' ? k : `${at}.${k}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return at === '' ? '(the whole pod)' : at;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
