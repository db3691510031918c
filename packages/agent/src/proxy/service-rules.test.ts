import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { AgentErrorCode } from '../errors.js';
import { describeNftError } from './nft.js';
import type { ProxyView, ServiceView } from './proxy-view.js';
import { endpointNames, serviceChainName, serviceRules } from './service-rules.js';

const TABLE = 'podkit-unit';

const web: ServiceView = {
  namespace: 'default',
  name: 'web',
  clusterIP: '10.96.0.10',
  sessionAffinity: 'None',
  ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }],
  endpoints: [
    { ip: '10.89.0.12', ports: { http: 8080 } },
    { ip: '10.89.0.3', ports: { http: 8080 } },
    { ip: '10.89.0.2', ports: { http: 8080 } },
  ],
};

const sticky: ServiceView = {
  namespace: 'shop',
  name: 'cart',
  clusterIP: '10.96.0.11',
  sessionAffinity: 'ClientIP',
  sessionAffinityTimeoutSeconds: 60,
  ports: [{ port: 6379, protocol: 'TCP' }],
  endpoints: [
    { ip: '10.89.0.2', ports: { '': 6379 } },
    { ip: '10.89.0.3', ports: { '': 6379 } },
  ],
};

const dns: ServiceView = {
  namespace: 'kube-system',
  name: 'dns',
  clusterIP: '10.96.0.12',
  sessionAffinity: 'None',
  ports: [
    { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
    { name: 'dns-tcp', port: 53, protocol: 'TCP' },
  ],
  endpoints: [],
};

/** The body lines of `chain <name> { … }` in a script (tabs stripped). */
function chainBody(script: string, name: string): string[] {
  const start = script.indexOf(`\tchain ${name} {\n`);
  assert.ok(start >= 0, `chain ${name} in\n${script}`);
  const end = script.indexOf('\n\t}\n', start);
  return script
    .slice(start, end)
    .split('\n')
    .slice(1)
    .map((l) => l.trim());
}

/** The elements text of `map|set <name> { … }` (one string, whitespace collapsed). */
function elementsOf(script: string, kind: 'map' | 'set', name: string): string {
  const start = script.indexOf(`\t${kind} ${name} {\n`);
  assert.ok(start >= 0, `${kind} ${name} in\n${script}`);
  const block = script.slice(start, script.indexOf('\n\t}\n', start));
  const m = /elements = \{([\s\S]*)\}/.exec(block);
  return (m?.[1] ?? '').replace(/\s+/g, ' ').trim();
}

test('one transaction replaces the table: add (so delete cannot fail), delete, the table', () => {
  const script = serviceRules({ services: [web] }, { table: TABLE });
  const lines = script.split('\n').filter((l) => !l.startsWith('#'));
  assert.deepEqual(lines.slice(0, 3), [
    `add table ip ${TABLE}`,
    `delete table ip ${TABLE}`,
    `table ip ${TABLE} {`,
  ]);
  assert.equal(script.endsWith('}\n'), true);
});

test('the same view, in any order, gives the same text', () => {
  const a = serviceRules({ services: [web, sticky, dns] }, { table: TABLE });
  const shuffled: ProxyView = {
    services: [
      dns,
      { ...sticky, endpoints: [...sticky.endpoints].reverse() },
      { ...web, endpoints: [web.endpoints[1]!, web.endpoints[2]!, web.endpoints[0]!] },
    ],
  };
  assert.equal(serviceRules(shuffled, { table: TABLE }), a);
  assert.equal(serviceRules({ services: [web, sticky, dns] }, { table: TABLE }), a);
});

test('a ClusterIP port goes to its chain, which masquerades and picks one endpoint at random', () => {
  const script = serviceRules({ services: [web] }, { table: TABLE });
  const svc = serviceChainName(web, web.ports[0]!);
  assert.match(svc, /^svc-[0-9a-f]{16}$/);
  assert.equal(elementsOf(script, 'map', 'service-ips'), `10.96.0.10 . tcp . 80 : goto ${svc}`);
  assert.equal(elementsOf(script, 'set', 'cluster-ips'), '10.96.0.10');
  // Endpoints in address order (10.89.0.12 after .3: numeric, not text order).
  const eps = ['10.89.0.2', '10.89.0.3', '10.89.0.12'].map(
    (ip) => endpointNames(web, web.ports[0]!, ip, 8080).chain,
  );
  assert.deepEqual(chainBody(script, svc), [
    'comment "default/web:http tcp/80"',
    'jump mark-for-masquerade',
    `numgen random mod 3 vmap { 0 : goto ${eps[0]!}, 1 : goto ${eps[1]!}, 2 : goto ${eps[2]!} }`,
  ]);
  assert.deepEqual(chainBody(script, eps[2]!), ['meta l4proto tcp dnat to 10.89.0.12:8080']);
  // Pods and the host both go through `services`.
  assert.deepEqual(chainBody(script, 'nat-prerouting'), [
    'type nat hook prerouting priority -100; policy accept;',
    'jump services',
  ]);
  assert.deepEqual(chainBody(script, 'nat-output'), [
    'type nat hook output priority -100; policy accept;',
    'jump services',
  ]);
  assert.deepEqual(chainBody(script, 'masquerading'), [
    'meta mark & 0x4000 == 0 return',
    'meta mark set meta mark xor 0x4000',
    'masquerade fully-random',
  ]);
});

test('one endpoint is a plain goto; an endpoint without the port name does not serve it', () => {
  const one: ServiceView = {
    ...web,
    ports: [
      { name: 'http', port: 80, protocol: 'TCP' },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
    ],
    endpoints: [
      { ip: '10.89.0.2', ports: { http: 8080, metrics: 9100 } },
      { ip: '10.89.0.3', ports: { http: 8080 } },
    ],
  };
  const script = serviceRules({ services: [one] }, { table: TABLE });
  const metrics = serviceChainName(one, one.ports[1]!);
  const ep = endpointNames(one, one.ports[1]!, '10.89.0.2', 9100).chain;
  assert.deepEqual(chainBody(script, metrics).slice(1), ['jump mark-for-masquerade', `goto ${ep}`]);
  assert.deepEqual(chainBody(script, ep), ['meta l4proto tcp dnat to 10.89.0.2:9100']);
  assert.doesNotMatch(script, /10\.89\.0\.3:9100/);
});

test('NodePort: the host’s own addresses but 127/8, to the Service chain', () => {
  const script = serviceRules({ services: [web] }, { table: TABLE });
  const svc = serviceChainName(web, web.ports[0]!);
  assert.equal(elementsOf(script, 'map', 'service-nodeports'), `tcp . 30080 : goto ${svc}`);
  assert.deepEqual(chainBody(script, 'services'), [
    'ip daddr . meta l4proto . th dport vmap @service-ips',
    'fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports',
  ]);
});

test('a port without endpoints rejects at once (TCP reset, ICMP otherwise), nodePort too', () => {
  const script = serviceRules({ services: [dns] }, { table: TABLE });
  assert.equal(
    elementsOf(script, 'map', 'no-endpoint-services'),
    '10.96.0.12 . tcp . 53 : goto reject-chain, 10.96.0.12 . udp . 53 : goto reject-chain',
  );
  assert.equal(
    elementsOf(script, 'map', 'no-endpoint-nodeports'),
    'udp . 30053 : goto reject-chain',
  );
  assert.equal(elementsOf(script, 'map', 'service-ips'), '');
  assert.doesNotMatch(script, /chain svc-/);
  assert.deepEqual(chainBody(script, 'reject-chain'), [
    'meta l4proto tcp reject with tcp reset',
    'reject',
  ]);
  // Before DNAT (-110) in the hooks where reject is allowed; only new connections.
  assert.deepEqual(chainBody(script, 'filter-forward'), [
    'type filter hook forward priority -110; policy accept;',
    'ct state new jump service-endpoints-check',
    'ct state new jump cluster-ips-check',
  ]);
  assert.deepEqual(
    chainBody(script, 'filter-output')[1],
    'ct state new jump service-endpoints-check',
  );
  assert.deepEqual(chainBody(script, 'filter-input').slice(1), [
    'ct state new jump nodeport-endpoints-check',
    'ct state new jump service-endpoints-check',
  ]);
  assert.deepEqual(chainBody(script, 'cluster-ips-check'), [
    'ip daddr @cluster-ips goto reject-chain',
  ]);
});

test('ClientIP affinity: a set per endpoint with the timeout, checked before the random pick', () => {
  const script = serviceRules({ services: [sticky] }, { table: TABLE });
  const port = sticky.ports[0]!;
  const [a, b] = ['10.89.0.2', '10.89.0.3'].map((ip) => endpointNames(sticky, port, ip, 6379));
  assert.deepEqual(chainBody(script, serviceChainName(sticky, port)).slice(1), [
    'jump mark-for-masquerade',
    `ip saddr @${a!.affinitySet} goto ${a!.chain}`,
    `ip saddr @${b!.affinitySet} goto ${b!.chain}`,
    `numgen random mod 2 vmap { 0 : goto ${a!.chain}, 1 : goto ${b!.chain} }`,
  ]);
  assert.deepEqual(chainBody(script, a!.chain), [
    `update @${a!.affinitySet} { ip saddr }`,
    'meta l4proto tcp dnat to 10.89.0.2:6379',
  ]);
  assert.match(
    script,
    new RegExp(
      `\\tset ${a!.affinitySet} \\{\\n\\t\\ttype ipv4_addr\\n\\t\\tflags dynamic,timeout\\n\\t\\ttimeout 60s\\n\\t\\}`,
    ),
  );
  const byDefault = serviceRules(
    { services: [{ ...sticky, sessionAffinityTimeoutSeconds: undefined }] },
    { table: TABLE },
  );
  assert.match(byDefault, /timeout 10800s/);
  // No affinity: no sets, no update.
  assert.doesNotMatch(serviceRules({ services: [web] }, { table: TABLE }), /aff-|update @/);
});

test('live affinity pins are carried into the new table, never past the timeout', () => {
  const [a] = ['10.89.0.2'].map((ip) => endpointNames(sticky, sticky.ports[0]!, ip, 6379));
  const script = serviceRules(
    { services: [sticky] },
    {
      table: TABLE,
      affinity: new Map([
        [
          a!.affinitySet,
          [
            { ip: '10.89.7.9', expiresSeconds: 3600 },
            { ip: '10.89.7.10', expiresSeconds: 42.7 },
            { ip: 'not-an-ip', expiresSeconds: 50 },
          ],
        ],
        ['aff-0000000000000000', [{ ip: '10.89.7.11', expiresSeconds: 30 }]],
      ]),
    },
  );
  assert.equal(
    elementsOf(script, 'set', a!.affinitySet),
    '10.89.7.9 expires 60s, 10.89.7.10 expires 42s',
  );
  assert.doesNotMatch(script, /10\.89\.7\.11|not-an-ip/);
});

test('headless Services get no rules', () => {
  const headless: ServiceView = { ...web, clusterIP: undefined };
  const none: ServiceView = { ...web, name: 'none', clusterIP: 'None' };
  const script = serviceRules({ services: [headless, none] }, { table: TABLE });
  assert.equal(script, serviceRules({ services: [] }, { table: TABLE }));
  assert.doesNotMatch(script, /10\.89\.0\.|svc-|ep-/);
});

test('any Service name is safe: identifiers are hashes, the comment is filtered', () => {
  const evil: ServiceView = {
    ...web,
    namespace: 'ns"; flush ruleset; #',
    name: 'x'.repeat(300),
  };
  const script = serviceRules({ services: [evil] }, { table: TABLE });
  // Only the comment says the name, quotes and semicolons replaced, cut to nft's limit.
  const said = script.split('\n').filter((l) => l.includes('flush ruleset'));
  assert.deepEqual(said, [`\t\tcomment "ns__ flush ruleset_ _/${'x'.repeat(95)}..."`]);
  const svc = serviceChainName(evil, evil.ports[0]!);
  assert.match(svc, /^svc-[0-9a-f]{16}$/);
  assert.notEqual(svc, serviceChainName(web, web.ports[0]!));
});

test('a view that cannot become rules is refused with every problem', () => {
  const bad: ProxyView = {
    services: [
      { ...web, name: 'web0', clusterIP: '10.96.0.300', ports: [] },
      web,
      {
        ...sticky,
        sessionAffinityTimeoutSeconds: 0,
        ports: [
          { port: 70_000, protocol: 'SCTP' as 'TCP' },
          { name: 'b', port: 81, protocol: 'TCP', nodePort: 30080 },
        ],
        endpoints: [{ ip: '10.89.0.2; drop', ports: { '': 0 } }],
      },
      { ...web, name: 'web2' },
    ],
  };
  assert.throws(
    () => serviceRules(bad, { table: TABLE }),
    (err: unknown) => {
      assert.ok(isPodkitError(err, AgentErrorCode.PROXY_VIEW_INVALID));
      for (const want of [
        'default/web0: clusterIP "10.96.0.300" is not IPv4',
        'shop/cart: sessionAffinityTimeoutSeconds 0 is not 1-86400',
        'protocol must be TCP or UDP',
        'port must be 1-65535',
        'endpoint "10.89.0.2; drop" is not IPv4',
        'default/web2: port "http" (80/TCP): 10.96.0.10:80 is also default/web\'s',
        'shop/cart: port "b" (81/TCP): nodePort 30080 is also default/web\'s',
      ])
        assert.ok(err.message.includes(want), `${want} in\n${err.message}`);
      return true;
    },
  );
  assert.throws(
    () => serviceRules({ services: [] }, { table: 'bad name; flush ruleset' }),
    (err: unknown) => isPodkitError(err, AgentErrorCode.PROXY_VIEW_INVALID),
  );
});

test("nft's error is shown with the script line it points at", () => {
  const script = 'add table ip t\ntable ip t {\n\tchain c { foo bar }\n}\n';
  const stderr =
    '/dev/stdin:3:12-14: Error: syntax error, unexpected string\n\tchain c { foo bar }\n\t          ^^^\n';
  const text = describeNftError(stderr, script);
  assert.match(
    text,
    /^line 3:12-14: Error: syntax error, unexpected string\n {2}line 3: chain c \{ foo bar \}\n/,
  );
  assert.ok(text.endsWith('^^^'));
});
