/**
 * kubeconfig documents for podkit's Kubernetes API: the one `podkit kubeconfig` prints, and
 * the merge of its `podkit` cluster, user and context into an existing file (other entries,
 * comments and order kept). Pure: text in, text out.
 */
import { isMap, isSeq, parseDocument, stringify, type Document } from 'yaml';

/** What the agent tells about its API (GET /v1/kube-api). */
export interface KubeApiAccess {
  server: string;
  caPem: string;
  token: string;
}

export const KUBECONFIG_NAME = 'podkit';

function entries(a: KubeApiAccess): { cluster: object; user: object; context: object } {
  return {
    cluster: {
      name: KUBECONFIG_NAME,
      cluster: {
        'certificate-authority-data': Buffer.from(a.caPem).toString('base64'),
        server: a.server,
      },
    },
    user: { name: KUBECONFIG_NAME, user: { token: a.token } },
    context: {
      name: KUBECONFIG_NAME,
      context: { cluster: KUBECONFIG_NAME, user: KUBECONFIG_NAME, namespace: 'default' },
    },
  };
}

/**
 * A whole kubeconfig whose current context is `podkit`.
 *
 * @example
 *   kubeconfigText({ server: 'https://127.0.0.1:6443', caPem, token })
 */
export function kubeconfigText(a: KubeApiAccess): string {
  const e = entries(a);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [e.cluster],
    users: [e.user],
    contexts: [e.context],
    'current-context': KUBECONFIG_NAME,
    preferences: {},
  });
}

/**
 * `existing` (a kubeconfig's text, or '' for none) with podkit's cluster, user and context
 * added, or replacing entries of the same name. The current context is set only when the file
 * had none.
 */
export function mergeKubeconfig(existing: string, a: KubeApiAccess): string {
  if (existing.trim() === '') return kubeconfigText(a);
  const doc: Document = parseDocument(existing);
  if (doc.errors.length > 0)
    throw new Error(`not a kubeconfig (YAML): ${doc.errors[0]?.message ?? ''}`);
  if (!isMap(doc.contents)) throw new Error('not a kubeconfig: the document is not a mapping');
  const e = entries(a);
  for (const [key, value] of [
    ['clusters', e.cluster],
    ['users', e.user],
    ['contexts', e.context],
  ] as const) {
    const list = doc.get(key, true);
    const node = doc.createNode(value);
    if (!isSeq(list)) {
      doc.set(key, doc.createNode([value]));
      continue;
    }
    const at = list.items.findIndex((item) => isMap(item) && item.get('name') === KUBECONFIG_NAME);
    if (at >= 0) list.items[at] = node;
    else list.items.push(node);
  }
  const current = doc.get('current-context');
  if (current === undefined || current === null || current === '')
    doc.set('current-context', KUBECONFIG_NAME);
  if (!doc.has('apiVersion')) doc.set('apiVersion', 'v1');
  if (!doc.has('kind')) doc.set('kind', 'Config');
  return doc.toString();
}
