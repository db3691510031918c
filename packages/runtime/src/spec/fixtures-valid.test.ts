import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from './diagnostic.js';
import { parseManifests, type ManifestSet } from './manifests.js';
import type { Container, Pod, Service } from './types.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/spec/valid');

function load(name: string): ManifestSet {
  return parseManifests(readFileSync(join(dir, name), 'utf8'), name);
}

/** The only pod of a fixture that must have no errors (warnings are returned for checks). */
function onlyPod(name: string, warnings: string[] = []): Pod {
  const set = load(name);
  assert.deepEqual(set.diagnostics.map(formatDiagnostic), warnings);
  assert.equal(set.pods.length, 1);
  return set.pods[0]!;
}

function container(pod: Pod, name: string): Container {
  const found = [...pod.spec.initContainers, ...pod.spec.containers].find((c) => c.name === name);
  assert.ok(found, `container ${name}`);
  return found;
}

/** The Services of a fixture that must have exactly the diagnostics `warnings`. */
function services(name: string, warnings: string[] = []): Service[] {
  const set = load(name);
  assert.deepEqual(set.diagnostics.map(formatDiagnostic), warnings);
  return set.services;
}

/** A container with every API-server default and nothing else. */
function defaulted(name: string, image: string, extra: Partial<Container> = {}): Container {
  return {
    name,
    image,
    imagePullPolicy: image.includes(':') && !image.endsWith(':latest') ? 'IfNotPresent' : 'Always',
    command: [],
    args: [],
    ports: [],
    env: [],
    envFrom: [],
    resources: { limits: {}, requests: {} },
    volumeMounts: [],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    stdin: false,
    stdinOnce: false,
    tty: false,
    ...extra,
  };
}

const probeDefaults = {
  initialDelaySeconds: 0,
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
};

describe('valid manifests', () => {
  it('every valid fixture parses without errors', () => {
    const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
    assert.ok(files.length >= 15, `${files.length} valid fixtures`);
    for (const file of files) {
      const errors = load(file).diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map(formatDiagnostic), [], file);
    }
  });

  it('two containers sharing an emptyDir: the whole pod, defaults included', () => {
    const pod = onlyPod('two-containers-emptydir.yaml');
    assert.deepEqual(pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shared', namespace: 'default', labels: {}, annotations: {} },
      spec: {
        volumes: [{ name: 'scratch', emptyDir: { medium: '' } }],
        initContainers: [],
        containers: [
          defaulted('writer', 'busybox', {
            command: ['sh', '-c', 'while true; do date > /data/now; sleep 1; done'],
            volumeMounts: [{ name: 'scratch', mountPath: '/data', readOnly: false }],
          }),
          defaulted('reader', 'nginx:1.22', {
            volumeMounts: [{ name: 'scratch', mountPath: '/usr/share/nginx/html', readOnly: true }],
          }),
        ],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        setHostnameAsFQDN: false,
        shareProcessNamespace: false,
        hostNetwork: false,
        enableServiceLinks: true,
        securityContext: { supplementalGroups: [], sysctls: [] },
      },
      origin: { file: 'two-containers-emptydir.yaml', line: 2, column: 1, kind: 'Pod' },
    });
  });

  it('init containers run in order before the main container', () => {
    const pod = onlyPod('init-containers.yaml');
    assert.equal(pod.metadata.namespace, 'apps');
    assert.equal(pod.spec.restartPolicy, 'OnFailure');
    assert.deepEqual(
      pod.spec.initContainers.map((c) => [c.name, c.restartPolicy]),
      [
        ['fetch', undefined],
        ['check', undefined],
      ],
    );
    assert.deepEqual(pod.spec.initContainers[1]!.args, ['test', '-s', '/work/index.html']);
    assert.deepEqual(pod.spec.volumes[0], {
      name: 'work',
      emptyDir: { medium: 'Memory', sizeLimit: '16Mi' },
    });
    assert.equal(pod.spec.containers[0]!.imagePullPolicy, 'IfNotPresent');
  });

  it('a native sidecar keeps restartPolicy Always, its probes and hooks', () => {
    const pod = onlyPod('native-sidecar.yaml');
    const proxy = container(pod, 'proxy');
    assert.equal(proxy.restartPolicy, 'Always');
    assert.deepEqual(proxy.startupProbe, {
      ...probeDefaults,
      periodSeconds: 1,
      failureThreshold: 30,
      httpGet: { path: '/ready', port: 'admin', scheme: 'HTTP', httpHeaders: [] },
    });
    assert.deepEqual(proxy.readinessProbe, { ...probeDefaults, tcpSocket: { port: 9901 } });
    assert.deepEqual(proxy.lifecycle, { preStop: { sleep: { seconds: 5 } } });
    assert.deepEqual(container(pod, 'app').lifecycle, {
      postStart: { exec: { command: ['touch', '/tmp/started'] } },
    });
  });

  it('all four probe kinds, with defaults (0 = default) and overrides', () => {
    const pod = onlyPod('probes-all-kinds.yaml');
    const web = container(pod, 'web');
    assert.deepEqual(web.startupProbe, {
      ...probeDefaults,
      failureThreshold: 30,
      exec: { command: ['cat', '/tmp/ready'] },
    });
    assert.deepEqual(web.readinessProbe, {
      ...probeDefaults,
      successThreshold: 2,
      httpGet: {
        path: '/',
        port: 'http',
        host: '127.0.0.1',
        scheme: 'HTTPS',
        httpHeaders: [{ name: 'X-Probe', value: 'podkit' }],
      },
    });
    assert.deepEqual(web.livenessProbe, {
      ...probeDefaults,
      initialDelaySeconds: 5,
      timeoutSeconds: 2,
      terminationGracePeriodSeconds: 7,
      tcpSocket: { port: 80 },
    });
    assert.deepEqual(container(pod, 'rpc').livenessProbe, {
      ...probeDefaults,
      grpc: { port: 9090, service: 'health' },
    });
    assert.deepEqual(
      web.ports.map((p) => [p.name, p.containerPort, p.protocol, p.hostPort]),
      [
        ['http', 80, 'TCP', undefined],
        ['grpc', 9090, 'TCP', undefined],
      ],
    );
  });

  it('downward API env and volume', () => {
    const pod = onlyPod('downward-env.yaml');
    assert.deepEqual(pod.metadata.labels, { app: 'demo' });
    assert.deepEqual(pod.metadata.annotations, { team: 'platform' });
    const app = container(pod, 'app');
    assert.deepEqual(app.env, [
      {
        name: 'POD_NAME',
        valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
      },
      {
        name: 'APP',
        valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['app']" } },
      },
      { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
      {
        name: 'MEM_MI',
        valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } },
      },
    ]);
    assert.deepEqual(pod.spec.volumes[0], {
      name: 'podinfo',
      downwardAPI: {
        defaultMode: 420,
        items: [
          { path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } },
          {
            path: 'cpu-limit',
            resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' },
          },
        ],
      },
    });
    // Limits without requests: requests default to the limits.
    assert.deepEqual(app.resources, {
      limits: { cpu: '250m', memory: '32Mi' },
      requests: { cpu: '250m', memory: '32Mi' },
    });
  });

  it('dependent $(VAR) env is kept verbatim for expansion at start', () => {
    const app = container(onlyPod('dependent-env.yaml'), 'app');
    assert.deepEqual(app.env, [
      { name: 'HOST', value: 'example.org' },
      { name: 'PORT', value: '8080' },
      { name: 'URL', value: 'http://$(HOST):$(PORT)/' },
      { name: 'LITERAL', value: '$$(HOST)' },
    ]);
    assert.deepEqual(app.args, ['echo $(URL)']);
  });

  it('configMap volume: defaultMode 0644 is 420, item mode 0400 is 256; the ConfigMap itself', () => {
    const set = load('configmap-volume.yaml');
    assert.deepEqual(set.diagnostics, []);
    const pod = set.pods[0]!;
    assert.deepEqual(pod.spec.volumes[0], {
      name: 'conf',
      configMap: {
        name: 'app-config',
        items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 256 }],
        defaultMode: 420,
        optional: false,
      },
    });
    assert.deepEqual(container(pod, 'app').envFrom, [
      { prefix: 'CFG_', configMapRef: { name: 'app-config', optional: false } },
    ]);
    assert.equal(set.configMaps.length, 1);
    const cm = set.configMaps[0]!;
    assert.deepEqual(cm.data, { 'app.conf': 'listen 8080\n', MODE: 'production' });
    assert.deepEqual(cm.binaryData, { 'logo.bin': Buffer.from([0, 1, 2, 255]) });
    assert.equal(cm.immutable, false);
    assert.equal(cm.origin.line, 27);
  });

  it('a Deployment is read as a typed object with its defaults, not as a pod', () => {
    const set = load('deployment.yaml');
    assert.deepEqual(set.diagnostics.map(formatDiagnostic), []);
    assert.equal(set.pods.length, 0);
    assert.equal(set.deployments.length, 1);
    const d = set.deployments[0]!;
    assert.deepEqual(d.metadata, {
      name: 'web',
      namespace: 'shop',
      labels: { tier: 'frontend' },
      annotations: {},
    });
    assert.equal(d.origin.kind, 'Deployment');
    assert.equal(d.origin.line, 1);
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    assert.equal(d.spec.minReadySeconds, 0);
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' }, matchExpressions: [] });
    assert.deepEqual(d.spec.template.metadata, {
      labels: { app: 'web', version: 'v2' },
      annotations: {},
    });
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    const nginx = d.spec.template.spec.containers[0]!;
    assert.equal(nginx.imagePullPolicy, 'Always'); // :latest
  });

  it('a ReplicaSet and a Recreate Deployment with explicit counts', () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: ReplicaSet',
      'metadata: {name: rs}',
      'spec:',
      '  replicas: 0',
      '  minReadySeconds: 5',
      '  selector: {matchExpressions: [{key: app, operator: In, values: [a, b]}]}',
      '  template:',
      '    metadata: {labels: {app: b}}',
      '    spec: {containers: [{name: c, image: busybox}]}',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: d}',
      'spec:',
      '  replicas: 4',
      '  strategy: {type: Recreate}',
      '  selector: {matchLabels: {app: d}}',
      '  template:',
      '    metadata: {labels: {app: d}}',
      '    spec: {containers: [{name: c, image: busybox}]}',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: r}',
      'spec:',
      '  strategy: {rollingUpdate: {maxSurge: 2, maxUnavailable: 0}}',
      '  selector: {matchLabels: {app: r}}',
      '  template:',
      '    metadata: {labels: {app: r}}',
      '    spec: {containers: [{name: c, image: busybox}]}',
    ].join('\n');
    const set = parseManifests(text, 'w.yaml');
    assert.deepEqual(set.diagnostics.map(formatDiagnostic), []);
    const rs = set.replicaSets[0]!;
    assert.equal(rs.spec.replicas, 0);
    assert.equal(rs.spec.minReadySeconds, 5);
    assert.equal(rs.origin.line, 1);
    assert.deepEqual(set.deployments[0]!.spec.strategy, { type: 'Recreate' });
    assert.equal(set.deployments[0]!.spec.replicas, 4);
    assert.equal(set.deployments[0]!.origin.line, 12);
    assert.deepEqual(set.deployments[1]!.spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 2, maxUnavailable: 0 },
    });
  });

  it('a Job: its spec with defaults, its template keeps its Never restart policy', () => {
    const set = load('job.yaml');
    assert.deepEqual(set.diagnostics, []);
    assert.deepEqual(set.pods, []);
    const job = set.jobs[0]!;
    assert.equal(job.metadata.name, 'migrate');
    assert.equal(job.spec.backoffLimit, 4);
    assert.equal(job.spec.completions, 1);
    assert.equal(job.spec.parallelism, 1);
    assert.equal(job.spec.completionMode, 'NonIndexed');
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');
    // A digest without a tag: IfNotPresent.
    const c = job.spec.template.spec.containers[0]!;
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
  });

  it('a Secret merges stringData over data, decoded to bytes', () => {
    const set = load('secret-stringdata.yaml');
    assert.deepEqual(set.diagnostics, []);
    const secret = set.secrets[0]!;
    assert.equal(secret.type, 'Opaque');
    assert.deepEqual(secret.data, {
      username: Buffer.from('admin'),
      password: Buffer.from('s3cr3t'),
      token: Buffer.from('abc\n'),
    });
    const pod = set.pods[0]!;
    assert.deepEqual(pod.spec.volumes[0], {
      name: 'creds',
      secret: { secretName: 'creds', items: [], defaultMode: 256, optional: false },
    });
    assert.deepEqual(container(pod, 'app').env, [
      {
        name: 'PASSWORD',
        valueFrom: { secretKeyRef: { name: 'creds', key: 'password', optional: false } },
      },
      {
        name: 'MAYBE',
        valueFrom: { configMapKeyRef: { name: 'optional-config', key: 'maybe', optional: true } },
      },
    ]);
  });

  it('JSON input, with positions', () => {
    const pod = onlyPod('pod.json');
    assert.deepEqual(pod.metadata.labels, { format: 'json' });
    assert.deepEqual(container(pod, 'app').ports, [{ containerPort: 8080, protocol: 'UDP' }]);
    assert.deepEqual(container(pod, 'app').command, ['sleep', '3600']);
    assert.deepEqual(pod.origin, { file: 'pod.json', line: 1, column: 1, kind: 'Pod' });
  });

  it('YAML 1.1 booleans and octal modes', () => {
    const pod = onlyPod('yaml11-scalars.yaml');
    assert.equal(pod.spec.shareProcessNamespace, true);
    assert.deepEqual(pod.spec.volumes[0]!.secret, {
      secretName: 'keys',
      items: [],
      defaultMode: 0o600,
      optional: true,
    });
    const app = container(pod, 'app');
    assert.equal(app.tty, true);
    assert.equal(app.stdin, true);
    assert.equal(app.volumeMounts[0]!.readOnly, true);
  });

  it('pod and container security contexts', () => {
    const pod = onlyPod('security-context.yaml');
    assert.deepEqual(pod.spec.securityContext, {
      runAsUser: 1000,
      runAsGroup: 1000,
      runAsNonRoot: true,
      fsGroup: 2000,
      supplementalGroups: [3000],
      seccompProfile: { type: 'RuntimeDefault' },
      sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
    });
    assert.deepEqual(container(pod, 'app').securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/app.json' },
    });
  });

  it('resources keep the written quantities; pull policy follows the tag', () => {
    const pod = onlyPod('resources-and-pull-policy.yaml');
    assert.equal(pod.spec.terminationGracePeriodSeconds, 0);
    const limitsOnly = container(pod, 'limits-only');
    assert.deepEqual(limitsOnly.resources, {
      limits: { cpu: '1', memory: '1.5Gi' },
      requests: { cpu: '1', memory: '1.5Gi' },
    });
    assert.equal(limitsOnly.imagePullPolicy, 'Always'); // no tag
    const numbers = container(pod, 'numbers');
    assert.deepEqual(numbers.resources, {
      limits: { cpu: '2' },
      requests: { cpu: '0.5', memory: '1e8' },
    });
    assert.equal(numbers.imagePullPolicy, 'Always'); // :latest
    assert.equal(container(pod, 'pinned').imagePullPolicy, 'Never');
  });

  it('a List of objects', () => {
    const set = load('list.yaml');
    assert.deepEqual(set.diagnostics, []);
    assert.deepEqual(
      set.configMaps.map((c) => [c.metadata.name, c.data]),
      [['greeting', { text: 'hello' }]],
    );
    assert.equal(set.pods[0]!.metadata.name, 'listed');
    assert.deepEqual(set.pods[0]!.origin, { file: 'list.yaml', line: 10, column: 5, kind: 'Pod' });
  });

  it('a StatefulSet template with a hostPath volume and a subPath mount', () => {
    const pod = onlyPod('statefulset.yaml', [
      "statefulset.yaml:6:3 warning: spec.serviceName: ignored: podkit runs the StatefulSet's pod template once, as a Pod",
    ]);
    assert.equal(pod.metadata.name, 'db');
    assert.deepEqual(pod.spec.volumes[0], {
      name: 'data',
      hostPath: { path: '/var/lib/podkit-db', type: 'DirectoryOrCreate' },
    });
    assert.deepEqual(container(pod, 'redis').volumeMounts, [
      { name: 'data', mountPath: '/data', readOnly: false, subPath: 'redis' },
    ]);
  });

  it('scheduling-only fields are accepted with warnings', () => {
    const pod = onlyPod('scheduling-warnings.yaml', [
      'scheduling-warnings.yaml:6:3 warning: spec.nodeSelector: ignored on one machine',
      'scheduling-warnings.yaml:8:3 warning: spec.affinity: ignored on one machine',
      'scheduling-warnings.yaml:10:3 warning: spec.tolerations: ignored on one machine',
      'scheduling-warnings.yaml:13:3 warning: spec.priorityClassName: ignored on one machine',
      'scheduling-warnings.yaml:14:3 warning: spec.serviceAccountName: ignored on one machine',
    ]);
    assert.equal(pod.metadata.name, 'scheduled');
  });

  it('hostNetwork: hostPort defaults to containerPort; hostname and subdomain', () => {
    const pod = onlyPod('host-network.yaml');
    assert.equal(pod.spec.hostNetwork, true);
    assert.equal(pod.spec.dnsPolicy, 'ClusterFirstWithHostNet');
    assert.equal(pod.spec.hostname, 'node-agent');
    assert.equal(pod.spec.subdomain, 'agents');
    assert.equal(pod.spec.setHostnameAsFQDN, true);
    assert.deepEqual(container(pod, 'agent').ports, [
      { name: 'metrics', containerPort: 9100, hostPort: 9100, protocol: 'TCP' },
    ]);
  });

  it('projected volume sources and a hostPath socket', () => {
    const pod = onlyPod('projected-volume.yaml');
    assert.deepEqual(pod.spec.volumes, [
      {
        name: 'all-in-one',
        projected: {
          defaultMode: 420,
          sources: [
            {
              configMap: {
                name: 'settings',
                items: [{ key: 'a', path: 'settings/a' }],
                optional: false,
              },
            },
            { secret: { name: 'tokens', items: [], optional: false } },
            {
              downwardAPI: {
                items: [
                  { path: 'name', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
                ],
              },
            },
          ],
        },
      },
      { name: 'docker-sock', hostPath: { path: '/run/docker.sock', type: 'Socket' } },
    ]);
  });

  it('a Service with every field: read as written, multi-node fields warned about', () => {
    const [svc, ...rest] = services('service-every-field.yaml', [
      'service-every-field.yaml:43:3 warning: spec.externalTrafficPolicy: ignored: on one machine every endpoint is local',
      'service-every-field.yaml:44:3 warning: spec.internalTrafficPolicy: ignored: on one machine every endpoint is local',
      'service-every-field.yaml:45:3 warning: spec.trafficDistribution: ignored: on one machine every endpoint is equally close',
      'service-every-field.yaml:46:3 warning: spec.loadBalancerIP: ignored: there is no load balancer on one machine',
    ]);
    assert.deepEqual(rest, []);
    assert.deepEqual(svc, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'shop-api',
        namespace: 'shop',
        labels: { 'app.kubernetes.io/name': 'shop-api' },
        annotations: { 'example.com/owner': 'team-a' },
      },
      spec: {
        type: 'NodePort',
        selector: { app: 'shop-api', tier: 'backend' },
        clusterIP: '10.96.0.20',
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http-alt', nodePort: 30080 },
          { name: 'metrics', protocol: 'TCP', port: 9100, targetPort: 9101, nodePort: undefined },
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53, nodePort: undefined },
          { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53, nodePort: 32767 },
        ],
        sessionAffinity: 'ClientIP',
        sessionAffinityTimeoutSeconds: 600,
        publishNotReadyAddresses: true,
      },
      origin: { file: 'service-every-field.yaml', line: 2, column: 1, kind: 'Service' },
    });
  });

  it("Services with the API server's defaults; a headless one without ports", () => {
    const byName = new Map(services('service-defaults.yaml').map((s) => [s.metadata.name, s.spec]));
    const port = (n: number) => ({
      name: undefined,
      protocol: 'TCP',
      port: n,
      targetPort: n,
      nodePort: undefined,
    });
    const defaults = {
      type: 'ClusterIP',
      clusterIP: undefined,
      sessionAffinity: 'None',
      sessionAffinityTimeoutSeconds: 10800,
      publishNotReadyAddresses: false,
    };
    assert.deepEqual([...byName.keys()], ['web', 'cache', 'db', 'sticky']);
    assert.deepEqual(byName.get('web'), {
      ...defaults,
      selector: { app: 'web' },
      ports: [port(8080)],
    });
    assert.deepEqual(byName.get('cache'), {
      ...defaults,
      selector: { app: 'cache' },
      ports: [port(6379)],
    });
    assert.deepEqual(byName.get('db'), {
      ...defaults,
      clusterIP: 'None',
      selector: { app: 'db' },
      ports: [],
    });
    assert.deepEqual(byName.get('sticky'), {
      ...defaults,
      sessionAffinity: 'ClientIP',
      selector: { app: 'sticky' },
      ports: [port(80)],
    });
  });

  it('a LoadBalancer Service is read as NodePort; its load balancer fields warn', () => {
    const [svc] = services('service-load-balancer.yaml', [
      'service-load-balancer.yaml:7:9 warning: spec.type: read as NodePort: there is no load balancer on one machine (the Service is reached on its node ports)',
      'service-load-balancer.yaml:14:3 warning: spec.externalTrafficPolicy: ignored: on one machine every endpoint is local',
      'service-load-balancer.yaml:15:3 warning: spec.healthCheckNodePort: ignored: there is no load balancer on one machine',
      'service-load-balancer.yaml:16:3 warning: spec.loadBalancerSourceRanges: ignored: there is no load balancer on one machine',
      'service-load-balancer.yaml:17:3 warning: spec.loadBalancerClass: ignored: there is no load balancer on one machine',
      'service-load-balancer.yaml:18:3 warning: spec.allocateLoadBalancerNodePorts: ignored: there is no load balancer on one machine',
    ]);
    assert.ok(svc);
    assert.equal(svc.spec.type, 'NodePort');
    assert.deepEqual(svc.spec.ports, [
      { name: 'https', protocol: 'TCP', port: 443, targetPort: 8443, nodePort: undefined },
    ]);
  });

  it('kinds podkit does not run: one warning each, and the pod beside them runs', () => {
    const set = load('ignored-kinds.yaml');
    assert.deepEqual(set.diagnostics.map(formatDiagnostic), [
      'ignored-kinds.yaml:3:7 warning: kind: Namespace shop is not run by podkit (a namespace needs no creating: objects name theirs in metadata.namespace or with -n); ignored',
      'ignored-kinds.yaml:8:7 warning: kind: Ingress shop is not run by podkit (no ingress or gateway controller on one machine; reach a Service on its node port); ignored',
      'ignored-kinds.yaml:17:7 warning: kind: NetworkPolicy deny-all is not run by podkit (pod traffic is not filtered on one machine); ignored',
      'ignored-kinds.yaml:23:7 warning: kind: HorizontalPodAutoscaler shop is not run by podkit (podkit runs one pod per workload; nothing scales); ignored',
      'ignored-kinds.yaml:28:7 warning: kind: ServiceAccount shop is not run by podkit (no Kubernetes API on one machine, so nothing to grant access to); ignored',
      'ignored-kinds.yaml:33:7 warning: kind: Role is not run by podkit (no Kubernetes API on one machine, so nothing to grant access to); ignored',
    ]);
    assert.deepEqual(
      set.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
      ['shop/shop'],
    );
  });
});
