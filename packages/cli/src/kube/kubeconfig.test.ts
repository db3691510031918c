import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { kubeconfigPath } from '../commands/kubeconfig.js';
import { kubeconfigText, mergeKubeconfig } from './kubeconfig.js';

const ACCESS = { server: 'https://127.0.0.1:6443', caPem: 'PEM', token: 'tok' };

interface Named {
  name: string;
}
interface Config {
  clusters: (Named & { cluster: { server: string; 'certificate-authority-data': string } })[];
  users: (Named & { user: { token: string } })[];
  contexts: (Named & { context: { cluster: string; user: string } })[];
  'current-context': string;
}

test('the printed kubeconfig: cluster, user and context podkit, current', () => {
  const c = parse(kubeconfigText(ACCESS)) as Config;
  assert.deepEqual(c.clusters, [
    {
      name: 'podkit',
      cluster: {
        'certificate-authority-data': Buffer.from('PEM').toString('base64'),
        server: ACCESS.server,
      },
    },
  ]);
  assert.deepEqual(c.users, [{ name: 'podkit', user: { token: 'tok' } }]);
  assert.equal(c.contexts[0]?.context.cluster, 'podkit');
  assert.equal(c['current-context'], 'podkit');
});

test('merge keeps other entries, replaces podkit ones, leaves the current context', () => {
  const existing = `# mine
apiVersion: v1
kind: Config
clusters:
  - name: prod
    cluster: { server: https://prod:6443 }
  - name: podkit
    cluster: { server: https://127.0.0.1:1 }
users:
  - name: prod
    user: { token: p }
contexts:
  - name: prod
    context: { cluster: prod, user: prod }
current-context: prod
`;
  const merged = mergeKubeconfig(existing, ACCESS);
  assert.match(merged, /^# mine\n/);
  const c = parse(merged) as Config;
  assert.deepEqual(
    c.clusters.map((x) => [x.name, x.cluster.server]),
    [
      ['prod', 'https://prod:6443'],
      ['podkit', ACCESS.server],
    ],
  );
  assert.deepEqual(
    c.users.map((u) => u.name),
    ['prod', 'podkit'],
  );
  assert.deepEqual(
    c.contexts.map((u) => u.name),
    ['prod', 'podkit'],
  );
  assert.equal(c['current-context'], 'prod');
  // Merging again changes nothing.
  assert.equal(mergeKubeconfig(merged, ACCESS), merged);
  // An empty file becomes the whole kubeconfig; one without a current context gets podkit.
  assert.equal(mergeKubeconfig('', ACCESS), kubeconfigText(ACCESS));
  assert.equal(
    (parse(mergeKubeconfig('apiVersion: v1\nkind: Config\n', ACCESS)) as Config)['current-context'],
    'podkit',
  );
  assert.throws(() => mergeKubeconfig('a: [', ACCESS), /not a kubeconfig/);
});

test("--merge writes $KUBECONFIG's first file, else ~/.kube/config", () => {
  assert.equal(kubeconfigPath({ KUBECONFIG: '/a/x:/b/y', HOME: '/root' }), '/a/x');
  assert.equal(kubeconfigPath({ HOME: '/home/u' }), '/home/u/.kube/config');
  assert.equal(kubeconfigPath({ KUBECONFIG: '', HOME: '/home/u' }), '/home/u/.kube/config');
});
