import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalName,
  dashedName,
  isDnsLabel,
  parseDashedName,
  reverseName,
  reverseZonesOf,
} from './dns-names.js';

test('reverseName: IPv4 by octets under in-addr.arpa, IPv6 by nibbles under ip6.arpa', () => {
  assert.equal(reverseName('10.96.0.10'), '10.0.96.10.in-addr.arpa');
  assert.equal(reverseName('192.168.1.255'), '255.1.168.192.in-addr.arpa');
  assert.equal(
    reverseName('2001:db8::567:89ab'),
    'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
  );
  assert.equal(reverseName('::1'), `1${'.0'.repeat(31)}.ip6.arpa`);
  assert.equal(
    reverseName('::ffff:10.0.0.1'),
    `1.0.0.0.0.0.a.0.f.f.f.f${'.0'.repeat(20)}.ip6.arpa`,
  );
});

test('reverseZonesOf: the zones that cover a CIDR exactly, at octet or nibble boundaries', () => {
  assert.deepEqual(reverseZonesOf('10.89.0.0/16'), ['89.10.in-addr.arpa']);
  assert.deepEqual(reverseZonesOf('10.0.0.0/8'), ['10.in-addr.arpa']);
  assert.deepEqual(reverseZonesOf('10.89.3.7/24'), ['3.89.10.in-addr.arpa']);
  const services = reverseZonesOf('10.96.0.0/12');
  assert.equal(services?.length, 16);
  assert.equal(services[0], '96.10.in-addr.arpa');
  assert.equal(services[15], '111.10.in-addr.arpa');
  assert.deepEqual(reverseZonesOf('192.168.4.0/23'), [
    '4.168.192.in-addr.arpa',
    '5.168.192.in-addr.arpa',
  ]);
  assert.deepEqual(reverseZonesOf('fd00:10::/32'), ['0.1.0.0.0.0.d.f.ip6.arpa']);
  assert.deepEqual(reverseZonesOf('fd00::/7'), ['c.f.ip6.arpa', 'd.f.ip6.arpa']);
  for (const bad of ['10.0.0.0', '10.0.0.0/0', '10.0.0.0/33', 'x/8', '10.0.0.0/8/1', '/8']) {
    assert.equal(reverseZonesOf(bad), undefined, bad);
  }
});

test('dashed names round-trip an address through one DNS label', () => {
  assert.equal(dashedName('10.89.0.5'), '10-89-0-5');
  assert.equal(parseDashedName('10-89-0-5'), '10.89.0.5');
  assert.equal(dashedName('FD00::5'), 'fd00--5');
  assert.equal(parseDashedName('fd00--5'), 'fd00::5');
  for (const bad of ['10-89-0', '10-89-0-256', 'redis-0', '', 'a-b-c-d']) {
    assert.equal(parseDashedName(bad), undefined, bad);
  }
});

test('labels and canonical names', () => {
  for (const ok of ['a', 'redis-0', '0abc', 'x'.repeat(63)]) assert.ok(isDnsLabel(ok), ok);
  for (const bad of ['', '-a', 'a-', 'A', 'a.b', 'a_b', 'x'.repeat(64)]) {
    assert.ok(!isDnsLabel(bad), bad);
  }
  assert.equal(
    canonicalName('Redis.Default.SVC.Cluster.Local.'),
    'redis.default.svc.cluster.local',
  );
});
