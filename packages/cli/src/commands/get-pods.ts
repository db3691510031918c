import { hostname } from 'node:os';
import { toKubernetesPod, type PodRecord } from '@podkit/runtime';
import { humanAge } from '../pod-view.js';
import { renderTable } from '../table.js';
import { psPod } from './ps.js';

/**
 * `podkit get pods`: the pods as `kubectl get pods` prints them — NAME READY STATUS RESTARTS
 * AGE (`wide`: and IP NODE) — or a `v1 List` of Pod objects (`json`, `yaml`). Empty text when
 * there is no pod (the caller says so, as kubectl does).
 */
export async function renderPodList(
  records: readonly PodRecord[],
  output: 'table' | 'wide' | 'json' | 'yaml',
  now: number,
): Promise<string> {
  const sorted = [...records].sort((a, b) => a.name.localeCompare(b.name));
  if (output === 'json' || output === 'yaml') {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion: '' },
      items: sorted.map((r) => toKubernetesPod(r, hostname())),
    };
    if (output === 'json') return `${JSON.stringify(list, null, 4)}\n`;
    const { stringify } = await import('yaml');
    return stringify(list, { lineWidth: 0, aliasDuplicateObjects: false });
  }
  if (sorted.length === 0) return '';
  const wide = output === 'wide';
  const rows = sorted.map((r) => {
    const p = psPod(r);
    return [
      p.name,
      p.ready,
      p.status,
      String(p.restarts),
      humanAge(now - Date.parse(p.createdAt)),
      ...(wide ? [p.ip ?? '<none>', hostname()] : []),
    ];
  });
  return renderTable(
    ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(wide ? ['IP', 'NODE'] : [])],
    rows,
  );
}
