import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer, Question } from 'dns-packet';
import { isPodkitError } from '@podkit/kit';
import type { ClusterView } from './cluster-view.js';
import { answerQuestion, type ZoneReply } from './records.js';
import { buildZoneIndex, DNS_TTL } from './zone-index.js';

const view: ClusterView = {
  services: [
    {
      name: 'web',
      namespace: 'shop',
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'http', port: 80, protocol: 'TCP' },
        { port: 9090, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
      // A ClusterIP Service's endpoints are not published: clients go through the VIP.
      endpoints: [{ ip: '10.89.0.50', hostname: 'hidden' }],
    },
    {
      name: 'redis',
      namespace: 'shop',
      clusterIP: 'None',
      ports: [{ name: 'redis', port: 6379, protocol: 'TCP' }],
      endpoints: [
        { ip: '10.89.0.5', hostname: 'redis-0', podName: 'redis-0' },
        { ip: '10.89.0.6', hostname: 'Redis-1' },
        { ip: '10.89.0.7' },
        { ip: '10.89.0.7' },
      ],
    },
    { name: 'empty', namespace: 'shop', clusterIP: 'None', ports: [], endpoints: [] },
    { name: 'six', namespace: 'shop', clusterIP: 'fd00:96::1', ports: [], endpoints: [] },
    { name: 'web', namespace: 'other', clusterIP: '10.96.0.11', ports: [], endpoints: [] },
  ],
  pods: [
    { name: 'busy', namespace: 'shop', ip: '10.89.0.9', hostname: 'busy', subdomain: 'redis' },
    { name: 'lone', namespace: 'shop', ip: '10.89.0.10', hostname: 'lone', subdomain: 'nosuch' },
    { name: 'plain', namespace: 'shop', ip: '10.89.0.11' },
  ],
  reverseCidrs: ['10.96.0.0/12', '10.89.0.0/16'],
};

const index = buildZoneIndex(view, 42);

function ask(name: string, type: Question['type'] | 'ANY', cls?: Question['class']): ZoneReply {
  const question = { name, type: type as Question['type'], ...(cls ? { class: cls } : {}) };
  const reply = answerQuestion(index, question);
  assert.ok(reply, `${name} ${type} should be answered here, not forwarded`);
  return reply;
}

/** `type data` of each record, sorted: what a test compares. */
function rdata(records: readonly Answer[]): string[] {
  return records
    .map((r) => `${r.name} ${r.type} ${'data' in r ? JSON.stringify(r.data) : ''}`)
    .sort();
}

function assertNegative(reply: ZoneReply, rcode: 'NXDOMAIN' | 'NOERROR', soaOwner: string): void {
  assert.equal(reply.rcode, rcode);
  assert.deepEqual(reply.answers, []);
  assert.equal(reply.authorities.length, 1);
  const soa = reply.authorities[0];
  assert.equal(soa?.type, 'SOA');
  assert.equal(soa.name, soaOwner);
}

test('a ClusterIP Service: A is the VIP, TTL 5 s, matched case-insensitively', () => {
  const reply = ask('web.shop.svc.cluster.local', 'A');
  assert.equal(reply.rcode, 'NOERROR');
  assert.deepEqual(reply.answers, [
    {
      name: 'web.shop.svc.cluster.local',
      type: 'A',
      class: 'IN',
      ttl: DNS_TTL,
      data: '10.96.0.10',
    },
  ]);
  assert.deepEqual(reply.authorities, []);
  // The owner is spelled as asked (resolvers using 0x20 case randomisation check it).
  const mixed = ask('WeB.Shop.SVC.cluster.LOCAL.', 'A');
  assert.deepEqual(rdata(mixed.answers), ['WeB.Shop.SVC.cluster.LOCAL A "10.96.0.10"']);
  // Same name, other namespace: its own VIP.
  assert.deepEqual(rdata(ask('web.other.svc.cluster.local', 'A').answers), [
    'web.other.svc.cluster.local A "10.96.0.11"',
  ]);
});

test('AAAA of a name that has only A is NODATA (NOERROR + SOA), never NXDOMAIN', () => {
  const reply = ask('web.shop.svc.cluster.local', 'AAAA');
  assertNegative(reply, 'NOERROR', 'cluster.local');
  assert.deepEqual(reply.authorities[0], {
    name: 'cluster.local',
    type: 'SOA',
    class: 'IN',
    ttl: 5,
    data: {
      mname: 'ns.dns.cluster.local',
      rname: 'hostmaster.cluster.local',
      serial: 42,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: 5,
    },
  });
  // Other types at an existing name too.
  assertNegative(ask('web.shop.svc.cluster.local', 'MX'), 'NOERROR', 'cluster.local');
  assertNegative(ask('redis.shop.svc.cluster.local', 'AAAA'), 'NOERROR', 'cluster.local');
});

test('an IPv6 ClusterIP is an AAAA record; A is then NODATA', () => {
  assert.deepEqual(rdata(ask('six.shop.svc.cluster.local', 'AAAA').answers), [
    'six.shop.svc.cluster.local AAAA "fd00:96::1"',
  ]);
  assertNegative(ask('six.shop.svc.cluster.local', 'A'), 'NOERROR', 'cluster.local');
});

test('names inside the zone that do not exist are NXDOMAIN with the SOA', () => {
  for (const name of [
    'nosuch.shop.svc.cluster.local',
    'web.nosuch.svc.cluster.local',
    'web.shop.cluster.local',
    'hidden.web.shop.svc.cluster.local', // a ClusterIP Service's endpoint
    'x.web.shop.svc.cluster.local',
    'lone.nosuch.shop.svc.cluster.local', // its subdomain is no headless Service
    'nosuch.cluster.local',
  ]) {
    assertNegative(ask(name, 'A'), 'NXDOMAIN', 'cluster.local');
  }
});

test('a headless Service with no endpoints is NXDOMAIN (the specification, 2.4.1)', () => {
  assertNegative(ask('empty.shop.svc.cluster.local', 'A'), 'NXDOMAIN', 'cluster.local');
});

test('empty non-terminals exist (NODATA), the apex has the SOA, dns-version is 1.1.0', () => {
  for (const name of [
    'shop.svc.cluster.local',
    'svc.cluster.local',
    '_tcp.web.shop.svc.cluster.local',
    'pod.cluster.local',
  ]) {
    assertNegative(ask(name, 'A'), 'NOERROR', 'cluster.local');
  }
  const apex = ask('Cluster.Local', 'SOA');
  assert.equal(apex.rcode, 'NOERROR');
  assert.deepEqual(rdata(apex.answers).length, 1);
  assert.equal(apex.answers[0]?.type, 'SOA');
  assert.deepEqual(rdata(ask('dns-version.cluster.local', 'TXT').answers), [
    'dns-version.cluster.local TXT "1.1.0"',
  ]);
});

test('a headless Service: one A per endpoint, and one per endpoint name', () => {
  assert.deepEqual(rdata(ask('redis.shop.svc.cluster.local', 'A').answers), [
    'redis.shop.svc.cluster.local A "10.89.0.5"',
    'redis.shop.svc.cluster.local A "10.89.0.6"',
    'redis.shop.svc.cluster.local A "10.89.0.7"',
  ]);
  // StatefulSet pods by hostname (compared case-insensitively).
  assert.deepEqual(rdata(ask('redis-0.redis.shop.svc.cluster.local', 'A').answers), [
    'redis-0.redis.shop.svc.cluster.local A "10.89.0.5"',
  ]);
  assert.deepEqual(rdata(ask('REDIS-1.redis.shop.svc.cluster.local', 'A').answers), [
    'REDIS-1.redis.shop.svc.cluster.local A "10.89.0.6"',
  ]);
  // An endpoint without hostname is named by its address, dashed (CoreDNS's choice).
  assert.deepEqual(rdata(ask('10-89-0-7.redis.shop.svc.cluster.local', 'A').answers), [
    '10-89-0-7.redis.shop.svc.cluster.local A "10.89.0.7"',
  ]);
  // A pod with hostname + subdomain naming the headless Service.
  assert.deepEqual(rdata(ask('busy.redis.shop.svc.cluster.local', 'A').answers), [
    'busy.redis.shop.svc.cluster.local A "10.89.0.9"',
  ]);
});

test('SRV of a named port of a ClusterIP Service targets the Service, its A in additional', () => {
  const reply = ask('_http._tcp.web.shop.svc.cluster.local', 'SRV');
  assert.equal(reply.rcode, 'NOERROR');
  assert.deepEqual(reply.answers, [
    {
      name: '_http._tcp.web.shop.svc.cluster.local',
      type: 'SRV',
      class: 'IN',
      ttl: 5,
      data: { priority: 0, weight: 100, port: 80, target: 'web.shop.svc.cluster.local' },
    },
  ]);
  assert.deepEqual(rdata(reply.additionals), ['web.shop.svc.cluster.local A "10.96.0.10"']);
  assert.deepEqual(rdata(ask('_dns._udp.web.shop.svc.cluster.local', 'SRV').answers), [
    '_dns._udp.web.shop.svc.cluster.local SRV {"priority":0,"weight":100,"port":53,"target":"web.shop.svc.cluster.local"}',
  ]);
  // The port is UDP only; and an unnamed port has no SRV name at all.
  assertNegative(ask('_dns._tcp.web.shop.svc.cluster.local', 'SRV'), 'NXDOMAIN', 'cluster.local');
  assertNegative(ask('_9090._tcp.web.shop.svc.cluster.local', 'SRV'), 'NXDOMAIN', 'cluster.local');
  // A at an SRV name: it exists, without A.
  assertNegative(ask('_http._tcp.web.shop.svc.cluster.local', 'A'), 'NOERROR', 'cluster.local');
});

test('SRV of a headless Service: one per endpoint, targeting its name, addresses in additional', () => {
  const reply = ask('_redis._tcp.redis.shop.svc.cluster.local', 'SRV');
  const srv = (target: string) =>
    `_redis._tcp.redis.shop.svc.cluster.local SRV {"priority":0,"weight":33,"port":6379,"target":"${target}"}`;
  assert.deepEqual(rdata(reply.answers), [
    srv('10-89-0-7.redis.shop.svc.cluster.local'),
    srv('redis-0.redis.shop.svc.cluster.local'),
    srv('redis-1.redis.shop.svc.cluster.local'),
  ]);
  assert.deepEqual(rdata(reply.additionals), [
    '10-89-0-7.redis.shop.svc.cluster.local A "10.89.0.7"',
    'redis-0.redis.shop.svc.cluster.local A "10.89.0.5"',
    'redis-1.redis.shop.svc.cluster.local A "10.89.0.6"',
  ]);
});

test('PTR: ClusterIPs name their Service, headless endpoints their endpoint name', () => {
  assert.deepEqual(rdata(ask('10.0.96.10.in-addr.arpa', 'PTR').answers), [
    '10.0.96.10.in-addr.arpa PTR "web.shop.svc.cluster.local"',
  ]);
  assert.deepEqual(rdata(ask('5.0.89.10.IN-ADDR.ARPA', 'PTR').answers), [
    '5.0.89.10.IN-ADDR.ARPA PTR "redis-0.redis.shop.svc.cluster.local"',
  ]);
  assert.deepEqual(rdata(ask('7.0.89.10.in-addr.arpa', 'PTR').answers), [
    '7.0.89.10.in-addr.arpa PTR "10-89-0-7.redis.shop.svc.cluster.local"',
  ]);
  const v6 = `1${'.0'.repeat(23)}.6.9.0.0.0.0.d.f.ip6.arpa`;
  assert.deepEqual(rdata(ask(v6, 'PTR').answers), [`${v6} PTR "six.shop.svc.cluster.local"`]);
});

test('reverse names in the service and pod ranges are ours: unknown ones are NXDOMAIN', () => {
  assertNegative(ask('99.0.89.10.in-addr.arpa', 'PTR'), 'NXDOMAIN', '89.10.in-addr.arpa');
  assertNegative(ask('1.0.100.10.in-addr.arpa', 'PTR'), 'NXDOMAIN', '100.10.in-addr.arpa');
  // A PTR name's ancestor inside the zone exists; the apex holds the SOA.
  assertNegative(ask('0.89.10.in-addr.arpa', 'PTR'), 'NOERROR', '89.10.in-addr.arpa');
  assert.equal(ask('96.10.in-addr.arpa', 'SOA').answers[0]?.type, 'SOA');
  // Other types at a PTR name: NODATA.
  assertNegative(ask('10.0.96.10.in-addr.arpa', 'A'), 'NOERROR', '96.10.in-addr.arpa');
});

test('names outside every zone of ours are forwarded (undefined)', () => {
  const q = (name: string, type: Question['type'] = 'A'): Question => ({ name, type });
  for (const question of [
    q('example.com'),
    q('local'),
    q('notcluster.local'),
    q('cluster.local.example.com'),
    q('1.1.168.192.in-addr.arpa', 'PTR'),
    q('1.0.128.10.in-addr.arpa', 'PTR'), // 10.128/16 is outside 10.96.0.0/12
    // The IPv6 VIP is outside the ranges given: its PTR name alone is ours.
    q(`2${'.0'.repeat(23)}.6.9.0.0.0.0.d.f.ip6.arpa`, 'PTR'),
  ]) {
    assert.equal(answerQuestion(index, question), undefined, question.name);
  }
});

test('pod A records: a-b-c-d.<ns>.pod.<zone> answers the address in the name', () => {
  assert.deepEqual(rdata(ask('10-89-0-9.shop.pod.cluster.local', 'A').answers), [
    '10-89-0-9.shop.pod.cluster.local A "10.89.0.9"',
  ]);
  assert.deepEqual(rdata(ask('172-16-0-1.anyns.pod.cluster.local', 'A').answers), [
    '172-16-0-1.anyns.pod.cluster.local A "172.16.0.1"',
  ]);
  assertNegative(ask('10-89-0-9.shop.pod.cluster.local', 'AAAA'), 'NOERROR', 'cluster.local');
  assertNegative(ask('shop.pod.cluster.local', 'A'), 'NOERROR', 'cluster.local');
  for (const name of [
    'busy.shop.pod.cluster.local',
    '10-89-0-256.shop.pod.cluster.local',
    'x.10-89-0-9.shop.pod.cluster.local',
  ]) {
    assertNegative(ask(name, 'A'), 'NXDOMAIN', 'cluster.local');
  }
});

test('ANY returns every record of the name; CH class is NOTIMP; a zone transfer is REFUSED', () => {
  assert.deepEqual(rdata(ask('redis-0.redis.shop.svc.cluster.local', 'ANY').answers), [
    'redis-0.redis.shop.svc.cluster.local A "10.89.0.5"',
  ]);
  const ch = ask('web.shop.svc.cluster.local', 'TXT', 'CH');
  assert.equal(ch.rcode, 'NOTIMP');
  assert.deepEqual(ch.answers, []);
  assert.equal(ask('cluster.local', 'AXFR').rcode, 'REFUSED');
});

test('a custom cluster domain: names under it are answered, cluster.local is forwarded', () => {
  const corp = buildZoneIndex(
    {
      clusterDomain: 'Corp.Example.',
      services: [{ name: 'a', namespace: 'b', clusterIP: '10.0.0.1', ports: [], endpoints: [] }],
      pods: [],
    },
    1,
  );
  assert.deepEqual(
    answerQuestion(corp, { name: 'a.b.svc.corp.example', type: 'A' })?.answers.map((r) =>
      'data' in r ? r.data : undefined,
    ),
    ['10.0.0.1'],
  );
  assert.equal(answerQuestion(corp, { name: 'a.b.svc.cluster.local', type: 'A' }), undefined);
  assert.equal(
    answerQuestion(corp, { name: 'x.corp.example', type: 'A' })?.authorities[0]?.name,
    'corp.example',
  );
});

test('an invalid view is refused with DNS_VIEW_INVALID, every problem listed', () => {
  const bad: ClusterView = {
    services: [
      { name: 'Bad_Name', namespace: 'ns', clusterIP: '10.0.0.1', ports: [], endpoints: [] },
      { name: 'ok', namespace: 'ns', clusterIP: '10.0.0.300', ports: [], endpoints: [] },
      { name: 'ok', namespace: 'ns', clusterIP: '10.0.0.2', ports: [], endpoints: [] },
      {
        name: 'hl',
        namespace: 'ns',
        clusterIP: 'None',
        ports: [{ name: 'p_1', port: 1, protocol: 'TCP' }],
        endpoints: [{ ip: 'nope' }, { ip: '10.0.0.3', hostname: '-x' }],
      },
    ],
    pods: [],
    reverseCidrs: ['10.0.0.0/40'],
  };
  assert.throws(
    () => buildZoneIndex(bad, 1),
    (err: unknown) => {
      assert.ok(isPodkitError(err, 'DNS_VIEW_INVALID'), String(err));
      for (const part of [
        '"Bad_Name" is not a DNS label',
        '"10.0.0.300" is not an IP address',
        'service ns/ok is given twice',
        'port name "p_1"',
        '"nope" is not an IP address',
        'hostname "-x"',
        '"10.0.0.0/40" is not a CIDR',
      ]) {
        assert.ok(err.message.includes(part), `${part} in ${err.message}`);
      }
      return true;
    },
  );
});
