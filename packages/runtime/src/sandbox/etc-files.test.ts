import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEtcHosts, buildResolvConf, parseResolvConf } from './etc-files.js';

test('/etc/hosts: localhost lines, pod IP with fqdn first when there is a subdomain, aliases', () => {
  const plain = buildEtcHosts({ ip: '10.89.0.2', hostname: 'web' });
  assert.match(plain, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(plain, /^::1\tlocalhost ip6-localhost ip6-loopback$/m);
  assert.ok(plain.endsWith('\n10.89.0.2\tweb\n'));
  const full = buildEtcHosts({
    ip: '10.89.0.2',
    hostname: 'web',
    fqdn: 'web.s.default.svc.cluster.local',
    hostAliases: [{ ip: '192.0.2.9', hostnames: ['a', 'b'] }],
  });
  assert.ok(full.endsWith('10.89.0.2\tweb.s.default.svc.cluster.local\tweb\n192.0.2.9\ta\tb\n'));
});

test('resolv.conf: loopback resolvers dropped in a pod netns, kept with hostNetwork, dnsConfig merged', () => {
  const host =
    'nameserver 127.0.0.53\nnameserver 192.0.2.53 # c\nsearch a.example\noptions edns0 ndots:1\n';
  const pod = buildResolvConf({
    host,
    hostNetwork: false,
    dnsConfig: {
      nameservers: ['192.0.2.54'],
      searches: ['b.example'],
      options: [{ name: 'ndots', value: '5' }],
    },
  });
  assert.deepEqual(parseResolvConf(pod), {
    nameservers: ['192.0.2.53', '192.0.2.54'],
    searches: ['a.example', 'b.example'],
    options: ['edns0', 'ndots:5'],
  });
  assert.deepEqual(parseResolvConf(buildResolvConf({ host, hostNetwork: true })).nameservers, [
    '127.0.0.53',
    '192.0.2.53',
  ]);
  // Only a loopback resolver: systemd-resolved's upstream list stands in; without one, none.
  const onlyLoop = 'nameserver 127.0.0.53\n';
  assert.deepEqual(
    parseResolvConf(
      buildResolvConf({
        host: onlyLoop,
        fallback: 'nameserver 198.51.100.1\n',
        hostNetwork: false,
      }),
    ).nameservers,
    ['198.51.100.1'],
  );
  const none = buildResolvConf({ host: onlyLoop, hostNetwork: false });
  assert.deepEqual(parseResolvConf(none).nameservers, []);
  assert.match(none, /unreachable from a pod network namespace/);
});
