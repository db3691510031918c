import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiagnostic } from './diagnostic.js';
import { parseManifests, type ManifestSet } from './manifests.js';
import type { Service, ServiceSpec } from './types.js';

/** A Service document; `spec` lines are indented by two spaces under `spec:`. */
function service(spec: string[], name = 'web'): string {
  return [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    ...spec.map((line) => `  ${line}`),
    '',
  ].join('\n');
}

function parse(text: string): ManifestSet {
  return parseManifests(text, 's.yaml');
}

/** The only Service of a text that must have no diagnostics but `expected`. */
function only(text: string, expected: string[] = []): Service {
  const set = parse(text);
  assert.deepEqual(set.diagnostics.map(formatDiagnostic), expected);
  assert.equal(set.services.length, 1);
  return set.services[0]!;
}

/** `[path, line, column, code]` of each diagnostic (errors and warnings). */
function where(text: string): [string, number, number, string][] {
  return parse(text).diagnostics.map((d) => [d.path, d.line, d.column, d.code]);
}

const SELECTOR = 'selector: {app: web}';

describe('Service: defaults (SetDefaults_Service)', () => {
  it('a port and a selector: every other field defaulted', () => {
    const svc = only(service([SELECTOR, 'ports: [{port: 80}]']));
    assert.deepEqual(svc, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', labels: {}, annotations: {} },
      spec: {
        type: 'ClusterIP',
        selector: { app: 'web' },
        clusterIP: undefined,
        ports: [
          { name: undefined, protocol: 'TCP', port: 80, targetPort: 80, nodePort: undefined },
        ],
        sessionAffinity: 'None',
        sessionAffinityTimeoutSeconds: 10800,
        publishNotReadyAddresses: false,
      } satisfies ServiceSpec,
      origin: { file: 's.yaml', line: 1, column: 1, kind: 'Service' },
    });
  });

  it('targetPort: absent, 0 and "" mean the port; a number or a name is kept', () => {
    const svc = only(
      service([
        SELECTOR,
        'ports:',
        '  - {name: a, port: 1}',
        '  - {name: b, port: 2, targetPort: 0}',
        '  - {name: c, port: 3, targetPort: ""}',
        '  - {name: d, port: 4, targetPort: 8080}',
        '  - {name: e, port: 5, targetPort: http}',
      ]),
    );
    assert.deepEqual(
      svc.spec.ports.map((p) => p.targetPort),
      [1, 2, 3, 8080, 'http'],
    );
  });

  it('empty type, sessionAffinity and protocol are the defaults', () => {
    const svc = only(
      service(['type: ""', 'sessionAffinity: ""', SELECTOR, 'ports: [{port: 80, protocol: ""}]']),
    );
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.spec.sessionAffinity, 'None');
    assert.equal(svc.spec.ports[0]?.protocol, 'TCP');
  });

  it('ClientIP affinity: 10800 s unless timeoutSeconds says otherwise (1 and 86400 are valid)', () => {
    const affinity = (config: string[]) =>
      only(service(['sessionAffinity: ClientIP', ...config, SELECTOR, 'ports: [{port: 80}]'])).spec
        .sessionAffinityTimeoutSeconds;
    assert.equal(affinity([]), 10800);
    assert.equal(affinity(['sessionAffinityConfig: {}']), 10800);
    assert.equal(affinity(['sessionAffinityConfig: {clientIP: {timeoutSeconds: 1}}']), 1);
    assert.equal(affinity(['sessionAffinityConfig: {clientIP: {timeoutSeconds: 86400}}']), 86400);
  });

  it('publishNotReadyAddresses is read', () => {
    const svc = only(service(['publishNotReadyAddresses: true', SELECTOR, 'ports: [{port: 80}]']));
    assert.equal(svc.spec.publishNotReadyAddresses, true);
  });
});

describe('Service: type', () => {
  it('NodePort keeps node ports in 30000-32767; 0 means allocate', () => {
    const svc = only(
      service([
        'type: NodePort',
        SELECTOR,
        'ports:',
        '  - {name: a, port: 1, nodePort: 30000}',
        '  - {name: b, port: 2, nodePort: 32767}',
        '  - {name: c, port: 3, nodePort: 0}',
        '  - {name: d, port: 4}',
        '  - {name: e, port: 5, nodePort: 0}',
      ]),
    );
    assert.equal(svc.spec.type, 'NodePort');
    assert.deepEqual(
      svc.spec.ports.map((p) => p.nodePort),
      [30000, 32767, undefined, undefined, undefined],
    );
  });

  it('a node port out of the range is an error at its value', () => {
    for (const port of [29999, 32768, 80]) {
      assert.deepEqual(
        where(service(['type: NodePort', SELECTOR, `ports: [{port: 80, nodePort: ${port}}]`])),
        [['spec.ports[0].nodePort', 8, 32, 'out-of-range']],
      );
    }
  });

  it('a node port on a ClusterIP Service is forbidden, at its key', () => {
    assert.deepEqual(where(service([SELECTOR, 'ports: [{port: 80, nodePort: 30080}]'])), [
      ['spec.ports[0].nodePort', 7, 22, 'forbidden'],
    ]);
  });

  it('LoadBalancer is read as NodePort with a warning at the value', () => {
    const svc = only(
      service(['type: LoadBalancer', SELECTOR, 'ports: [{port: 80, nodePort: 31000}]']),
      [
        's.yaml:6:9 warning: spec.type: read as NodePort: there is no load balancer on one machine (the Service is reached on its node ports)',
      ],
    );
    assert.equal(svc.spec.type, 'NodePort');
    assert.equal(svc.spec.ports[0]?.nodePort, 31000);
  });

  it('ExternalName is unsupported: an error, and no Service', () => {
    const set = parse(service(['type: ExternalName', 'externalName: db.example.com']));
    assert.deepEqual(
      set.diagnostics.map((d) => [d.path, d.line, d.column, d.code, d.severity]),
      [['spec.type', 6, 9, 'unsupported', 'error']],
    );
    assert.match(set.diagnostics[0]?.message ?? '', /give the application the external host name/);
    assert.deepEqual(set.services, []);
  });

  it('a misspelt type: did-you-mean, and no type-dependent errors after it', () => {
    const set = parse(service(['type: nodeport', SELECTOR, 'ports: [{port: 80, nodePort: 80}]']));
    assert.deepEqual(set.diagnostics.map(formatDiagnostic), [
      's.yaml:6:9 spec.type: must be one of ClusterIP, NodePort, LoadBalancer, ExternalName, got "nodeport"; did you mean "NodePort"?',
    ]);
  });
});

describe('Service: ports', () => {
  it('one port needs no name; several need unique DNS-label names', () => {
    assert.equal(only(service([SELECTOR, 'ports: [{port: 80}]'])).spec.ports[0]?.name, undefined);
    assert.deepEqual(
      where(
        service([
          SELECTOR,
          'ports:',
          '  - {port: 80}',
          '  - {name: http, port: 81}',
          '  - {name: http, port: 82}',
          '  - {name: Http, port: 83}',
        ]),
      ),
      [
        ['spec.ports[0].name', 8, 7, 'required'],
        ['spec.ports[2].name', 10, 14, 'duplicate'],
        ['spec.ports[3].name', 11, 14, 'invalid-value'],
      ],
    );
  });

  it('port is required and 1-65535', () => {
    assert.deepEqual(
      where(
        service([
          SELECTOR,
          'ports:',
          '  - {name: a}',
          '  - {name: b, port: 0}',
          '  - {name: c, port: 65536}',
          '  - {name: d, port: 65535}',
        ]),
      ),
      [
        ['spec.ports[0].port', 8, 7, 'required'],
        ['spec.ports[1].port', 9, 23, 'out-of-range'],
        ['spec.ports[2].port', 10, 23, 'out-of-range'],
      ],
    );
  });

  it('a port and protocol pair appears once; the same port over UDP is another', () => {
    assert.deepEqual(
      only(
        service([
          SELECTOR,
          'ports:',
          '  - {name: dns, port: 53, protocol: UDP}',
          '  - {name: dns-tcp, port: 53}',
          '  - {name: sctp, port: 53, protocol: SCTP}',
        ]),
      ).spec.ports.map((p) => p.protocol),
      ['UDP', 'TCP', 'SCTP'],
    );
    const text = service([
      SELECTOR,
      'ports:',
      '  - {name: a, port: 53}',
      '  - {name: b, port: 53, protocol: TCP}',
    ]);
    assert.deepEqual(parse(text).diagnostics.map(formatDiagnostic), [
      's.yaml:9:23 spec.ports[1].port: duplicate port 53/TCP (ports[0] has it)',
    ]);
  });

  it('a node port and protocol pair appears once', () => {
    const text = service([
      'type: NodePort',
      SELECTOR,
      'ports:',
      '  - {name: a, port: 1, nodePort: 30001}',
      '  - {name: b, port: 2, nodePort: 30001, protocol: UDP}',
      '  - {name: c, port: 3, nodePort: 30001}',
    ]);
    assert.deepEqual(where(text), [['spec.ports[2].nodePort', 11, 36, 'duplicate']]);
  });

  it('targetPort: 1-65535 or an IANA service name (a quoted number is a name, and invalid)', () => {
    const target = (value: string) =>
      parse(service([SELECTOR, `ports: [{port: 80, targetPort: ${value}}]`])).diagnostics.map(
        (d) => d.message,
      );
    assert.deepEqual(target('65535'), []);
    assert.deepEqual(target('http-alt'), []);
    assert.deepEqual(target('65536'), ['must be 1-65535, got 65536']);
    assert.deepEqual(target('"8080"'), [
      'must be a port number or a port name; must contain at least one letter, got "8080"',
    ]);
    assert.deepEqual(target('a-very-long-name-x'), [
      'must be a port number or a port name; must be at most 15 characters, got "a-very-long-name-x"',
    ]);
    assert.deepEqual(target('my--port'), [
      'must be a port number or a port name; must not contain consecutive \'-\', got "my--port"',
    ]);
    assert.deepEqual(target('-http'), [
      'must be a port number or a port name; must not begin or end with \'-\', got "-http"',
    ]);
    assert.deepEqual(target('Http'), [
      'must be a port number or a port name; must contain only lowercase letters, digits and \'-\', got "Http"',
    ]);
  });

  it('protocol: TCP, UDP or SCTP with a did-you-mean; appProtocol is a qualified name', () => {
    assert.deepEqual(
      parse(service([SELECTOR, 'ports: [{port: 80, protocol: udp}]'])).diagnostics.map(
        formatDiagnostic,
      ),
      [
        's.yaml:7:32 spec.ports[0].protocol: must be one of TCP, UDP, SCTP, got "udp"; did you mean "UDP"?',
      ],
    );
    assert.deepEqual(
      where(service([SELECTOR, 'ports: [{port: 80, appProtocol: kubernetes.io/h2c}]'])),
      [],
    );
    assert.deepEqual(where(service([SELECTOR, 'ports: [{port: 80, appProtocol: "h2c!"}]'])), [
      ['spec.ports[0].appProtocol', 7, 35, 'invalid-value'],
    ]);
  });

  it('a misspelt port field: unknown, with a did-you-mean', () => {
    assert.deepEqual(
      parse(service([SELECTOR, 'ports: [{port: 80, nodeport: 30080}]'])).diagnostics.map(
        formatDiagnostic,
      ),
      ['s.yaml:7:22 spec.ports[0].nodeport: unknown field; did you mean "nodePort"?'],
    );
  });

  it('no ports: an error unless headless', () => {
    assert.deepEqual(where(service([SELECTOR])), [['spec.ports', 6, 3, 'required']]);
    assert.deepEqual(where(service([SELECTOR, 'ports: []'])), [['spec.ports', 7, 10, 'required']]);
    const headless = only(service(['clusterIP: None', SELECTOR]));
    assert.equal(headless.spec.clusterIP, 'None');
    assert.deepEqual(headless.spec.ports, []);
  });
});

describe('Service: clusterIP, clusterIPs, IP families', () => {
  const ip = (lines: string[]) => only(service([...lines, SELECTOR, 'ports: [{port: 80}]']));

  it('empty or absent: allocated (undefined); an IPv4 address or None is kept', () => {
    assert.equal(ip([]).spec.clusterIP, undefined);
    assert.equal(ip(['clusterIP: ""']).spec.clusterIP, undefined);
    assert.equal(ip(['clusterIP: 10.96.0.10']).spec.clusterIP, '10.96.0.10');
    assert.equal(ip(['clusterIP: None']).spec.clusterIP, 'None');
  });

  it('clusterIPs alone sets clusterIP; with clusterIP its first value must match', () => {
    assert.equal(ip(['clusterIPs: [10.96.0.11]']).spec.clusterIP, '10.96.0.11');
    assert.equal(ip(['clusterIPs: [None]']).spec.clusterIP, 'None');
    assert.equal(
      ip(['clusterIP: 10.96.0.12', 'clusterIPs: [10.96.0.12]']).spec.clusterIP,
      '10.96.0.12',
    );
    assert.deepEqual(
      where(
        service([
          'clusterIP: 10.96.0.12',
          'clusterIPs: [10.96.0.13]',
          SELECTOR,
          'ports: [{port: 80}]',
        ]),
      ),
      [['spec.clusterIPs[0]', 7, 16, 'invalid-value']],
    );
  });

  it('an address must be IPv4: not a name, not IPv6, not two of them', () => {
    const errors = (lines: string[]) =>
      parse(service([...lines, SELECTOR, 'ports: [{port: 80}]'])).diagnostics.map(formatDiagnostic);
    assert.deepEqual(errors(['clusterIP: web']), [
      's.yaml:6:14 spec.clusterIP: must be empty, "None" or an IPv4 address, got "web"',
    ]);
    assert.deepEqual(errors(['clusterIP: 010.96.0.1']), [
      's.yaml:6:14 spec.clusterIP: must be empty, "None" or an IPv4 address, got "010.96.0.1"',
    ]);
    assert.deepEqual(errors(['clusterIP: "fd00::1"']), [
      's.yaml:6:14 spec.clusterIP: podkit\'s service network is IPv4-only: must be an IPv4 address, got "fd00::1"',
    ]);
    assert.deepEqual(errors(['clusterIPs: ["fd00::1"]']), [
      's.yaml:6:16 spec.clusterIPs[0]: podkit\'s service network is IPv4-only: must be an IPv4 address, got "fd00::1"',
    ]);
    assert.deepEqual(errors(['clusterIPs: [10.96.0.1, "fd00::1"]']), [
      "s.yaml:6:27 spec.clusterIPs[1]: podkit's service network is IPv4-only: one address at most (a second one makes a dual-stack Service)",
    ]);
  });

  it('ipFamilies [IPv4] and SingleStack or PreferDualStack are accepted; IPv6 and RequireDualStack are not', () => {
    ip(['ipFamilies: [IPv4]', 'ipFamilyPolicy: SingleStack']);
    ip(['ipFamilyPolicy: PreferDualStack']);
    assert.deepEqual(
      where(
        service([
          'ipFamilies: [IPv4, IPv6]',
          'ipFamilyPolicy: RequireDualStack',
          SELECTOR,
          'ports: [{port: 80}]',
        ]),
      ),
      [
        ['spec.ipFamilies[1]', 6, 22, 'invalid-value'],
        ['spec.ipFamilyPolicy', 7, 19, 'invalid-value'],
      ],
    );
  });

  it('headless: not with NodePort or LoadBalancer', () => {
    assert.deepEqual(
      where(service(['type: NodePort', 'clusterIP: None', SELECTOR, 'ports: [{port: 80}]'])),
      [['spec.clusterIP', 7, 14, 'invalid-value']],
    );
    assert.deepEqual(
      where(service(['type: LoadBalancer', 'clusterIPs: [None]', SELECTOR, 'ports: [{port: 80}]'])),
      [
        ['spec.type', 6, 9, 'ignored'],
        ['spec.clusterIPs[0]', 7, 16, 'invalid-value'],
      ],
    );
  });
});

describe('Service: selector and session affinity', () => {
  it('selector keys and values follow label syntax', () => {
    assert.deepEqual(where(service(['selector: {"a b": x, app: "-x"}', 'ports: [{port: 80}]'])), [
      ['spec.selector[a b]', 6, 14, 'invalid-value'],
      ['spec.selector.app', 6, 29, 'invalid-value'],
    ]);
  });

  it('no selector, or an empty one, warns: the Service gets no endpoints', () => {
    for (const lines of [['ports: [{port: 80}]'], ['selector: {}', 'ports: [{port: 80}]']]) {
      const svc = only(service(lines), [
        `s.yaml:6:3 warning: spec.selector: no selector: this Service gets no endpoints (podkit does not run Endpoints or EndpointSlice objects)`,
      ]);
      assert.deepEqual(svc.spec.selector, {});
    }
  });

  it('sessionAffinityConfig only with ClientIP; the timeout is 1-86400', () => {
    assert.deepEqual(
      where(service(['sessionAffinityConfig: {}', SELECTOR, 'ports: [{port: 80}]'])),
      [['spec.sessionAffinityConfig', 6, 3, 'forbidden']],
    );
    for (const seconds of [0, 86401]) {
      const text = service([
        'sessionAffinity: ClientIP',
        `sessionAffinityConfig: {clientIP: {timeoutSeconds: ${seconds}}}`,
        SELECTOR,
        'ports: [{port: 80}]',
      ]);
      assert.deepEqual(parse(text).diagnostics.map(formatDiagnostic), [
        `s.yaml:7:54 spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be 1-86400 (seconds), got ${seconds}`,
      ]);
    }
  });
});

describe('Service: fields for load balancers and multi-node routing', () => {
  const warnings = (lines: string[], type = 'NodePort') =>
    parse(service([`type: ${type}`, ...lines, SELECTOR, 'ports: [{port: 80}]']))
      .diagnostics.filter((d) => d.path !== 'spec.type')
      .map((d) => `${d.severity} ${d.code} ${d.path}`);

  it('warn where the API server allows them, and say nothing of the defaults', () => {
    assert.deepEqual(
      warnings([
        'externalTrafficPolicy: Local',
        'internalTrafficPolicy: Local',
        'trafficDistribution: PreferClose',
        'loadBalancerIP: 192.0.2.1',
      ]),
      [
        'warning ignored spec.externalTrafficPolicy',
        'warning ignored spec.internalTrafficPolicy',
        'warning ignored spec.trafficDistribution',
        'warning ignored spec.loadBalancerIP',
      ],
    );
    assert.deepEqual(
      warnings(['externalTrafficPolicy: Cluster', 'internalTrafficPolicy: Cluster']),
      [],
    );
    assert.deepEqual(
      warnings(
        [
          'externalTrafficPolicy: Local',
          'healthCheckNodePort: 30999',
          'loadBalancerSourceRanges: [10.0.0.0/8]',
          'loadBalancerClass: example.com/lb',
          'allocateLoadBalancerNodePorts: false',
        ],
        'LoadBalancer',
      ),
      [
        'warning ignored spec.externalTrafficPolicy',
        'warning ignored spec.healthCheckNodePort',
        'warning ignored spec.loadBalancerSourceRanges',
        'warning ignored spec.loadBalancerClass',
        'warning ignored spec.allocateLoadBalancerNodePorts',
      ],
    );
  });

  it('are errors where the API server forbids them', () => {
    assert.deepEqual(
      warnings(
        [
          'externalTrafficPolicy: Local',
          'healthCheckNodePort: 30999',
          'loadBalancerSourceRanges: [10.0.0.0/8]',
          'loadBalancerClass: example.com/lb',
          'allocateLoadBalancerNodePorts: false',
        ],
        'ClusterIP',
      ),
      [
        'error forbidden spec.externalTrafficPolicy',
        'error forbidden spec.healthCheckNodePort',
        'error forbidden spec.loadBalancerSourceRanges',
        'error forbidden spec.loadBalancerClass',
        'error forbidden spec.allocateLoadBalancerNodePorts',
      ],
    );
    // NodePort: the health check port needs LoadBalancer with Local.
    assert.deepEqual(warnings(['healthCheckNodePort: 30999']), [
      'error forbidden spec.healthCheckNodePort',
    ]);
  });

  it('externalIPs: an error (their traffic would be dropped); an empty list is nothing', () => {
    assert.deepEqual(warnings(['externalIPs: [192.0.2.10]']), [
      'error unsupported spec.externalIPs',
    ]);
    assert.deepEqual(warnings(['externalIPs: []']), []);
  });

  it('externalName without type ExternalName: ignored with a warning', () => {
    assert.deepEqual(warnings(['externalName: db.example.com'], 'ClusterIP'), [
      'warning ignored spec.externalName',
    ]);
  });
});

describe('Service: the object around the spec', () => {
  it('the name is a DNS-1035 label (a Pod may be named 1web, a Service not)', () => {
    assert.deepEqual(where(service([SELECTOR, 'ports: [{port: 80}]'], '1web')), [
      ['metadata.name', 4, 9, 'invalid-value'],
    ]);
    assert.deepEqual(where(service([SELECTOR, 'ports: [{port: 80}]'], 'a.b')), [
      ['metadata.name', 4, 9, 'invalid-value'],
    ]);
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: 1web}\nspec: {containers: [{name: c, image: i}]}\n';
    assert.deepEqual(parse(pod).diagnostics, []);
  });

  it('spec is required; a misspelt spec field gets a did-you-mean', () => {
    assert.deepEqual(
      parse('apiVersion: v1\nkind: Service\nmetadata: {name: web}\n').diagnostics.map(
        formatDiagnostic,
      ),
      ['s.yaml:1:1 spec: required (the Service spec: its ports and a selector)'],
    );
    assert.deepEqual(
      parse(service([SELECTOR, 'ports: [{port: 80}]', 'sesionAffinity: ClientIP'])).diagnostics.map(
        formatDiagnostic,
      ),
      ['s.yaml:8:3 spec.sesionAffinity: unknown field; did you mean "sessionAffinity"?'],
    );
  });

  it('a Service with any error is not returned; the others are', () => {
    const set = parse(
      `${service([SELECTOR, 'ports: [{port: 0}]'], 'bad')}---\n${service([SELECTOR, 'ports: [{port: 80}]'])}`,
    );
    assert.deepEqual(
      set.services.map((s) => s.metadata.name),
      ['web'],
    );
    assert.equal(set.services[0]?.origin.line, 9);
  });

  it('two Services with one name in one namespace: an error; other namespaces and kinds are fine', () => {
    const text = [
      service([SELECTOR, 'ports: [{port: 80}]']),
      service([SELECTOR, 'ports: [{port: 81}]']),
      service([SELECTOR, 'ports: [{port: 80}]']).replace('name: web', 'name: web\n  namespace: b'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n',
    ].join('---\n');
    assert.deepEqual(parse(text).diagnostics.map(formatDiagnostic), [
      's.yaml:9:1 metadata.name: duplicate Service name "web" in namespace "default"',
    ]);
  });

  it('-n puts Services into the namespace as it does pods', () => {
    const set = parseManifests(service([SELECTOR, 'ports: [{port: 80}]']), 's.yaml', {
      namespace: 'team-a',
    });
    assert.equal(set.services[0]?.metadata.namespace, 'team-a');
  });

  it('`status: {loadBalancer: {}}` (kubectl get -o yaml) is silent; a real status warns', () => {
    const base = service([SELECTOR, 'ports: [{port: 80}]']);
    assert.deepEqual(parse(`${base}status: {loadBalancer: {}}\n`).diagnostics, []);
    assert.deepEqual(
      parse(`${base}status: {loadBalancer: {ingress: [{ip: 192.0.2.1}]}}\n`).diagnostics.map(
        formatDiagnostic,
      ),
      ['s.yaml:8:1 warning: status: set by the cluster; ignored'],
    );
  });

  it('a List may hold Services', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: Service',
      '    metadata: {name: web}',
      '    spec: {selector: {app: web}, ports: [{port: 80}]}',
    ].join('\n');
    assert.deepEqual(only(text).origin, { file: 's.yaml', line: 4, column: 5, kind: 'Service' });
  });
});
