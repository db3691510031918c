import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCommand } from '../host/run-command.js';
import { createNetns, deleteNetns, netnsExists } from './netns.js';
import {
  addPodNetwork,
  buildConflist,
  checkPodNetwork,
  defaultPodNetwork,
  listLeases,
  removePodNetwork,
  type PodAttachment,
} from './pod-network.js';
import { iptablesRulesOf, masqueradeChain, splitIptablesLine } from './nat-rules.js';
import { freeHostPort } from '../testing/host-port.js';
import { reserveTestSubnet } from '../testing/test-subnet.js';

test('the default network is podkit0 on 10.89.0.0/16 with host-local under the state root', () => {
  const list = buildConflist(defaultPodNetwork('/var/lib/podkit/cni'));
  assert.equal(list.cniVersion, '1.0.0');
  assert.deepEqual(
    list.plugins.map((p) => p.type),
    ['bridge', 'portmap'],
  );
  const bridge = list.plugins[0] as unknown as Record<string, unknown> & {
    ipam: { ranges: unknown; dataDir: string };
  };
  assert.equal(bridge.bridge, 'podkit0');
  assert.equal(bridge.isGateway, true);
  // podkit writes the masquerade itself (nat-rules.ts), so the plugin does not.
  assert.equal(bridge.ipMasq, false);
  assert.deepEqual(bridge.ipam.ranges, [[{ subnet: '10.89.0.0/16' }]]);
  assert.equal(bridge.ipam.dataDir, '/var/lib/podkit/cni');
  assert.deepEqual(list.plugins[1]?.capabilities, { portMappings: true });
});

test('splitIptablesLine keeps quoted comments whole', () => {
  assert.deepEqual(
    splitIptablesLine(
      '-A POSTROUTING -s 10.89.0.2/32 -m comment --comment "name: \\"podkit\\" id: \\"abc\\"" -j CNI-0123',
    ),
    [
      '-A',
      'POSTROUTING',
      '-s',
      '10.89.0.2/32',
      '-m',
      'comment',
      '--comment',
      'name: "podkit" id: "abc"',
      '-j',
      'CNI-0123',
    ],
  );
});

test('CNI ADD gives an IP, CHECK passes, DEL frees lease and rules and may repeat, even without the netns', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-cni-'));
  const hex = randomBytes(3).toString('hex');
  const nsName = `podkit-t${hex}`;
  const network = {
    name: `pkt-${hex}`,
    bridge: `pkt${hex}`,
    subnet: await reserveTestSubnet(t),
    dataDir: dir,
    pluginDir: '/usr/lib/cni',
  };
  t.after(async () => {
    await deleteNetns(nsName).catch(() => undefined);
    await runCommand(['ip', 'link', 'del', network.bridge], { allowFailure: true });
    await rm(dir, { recursive: true, force: true });
  });
  const netns = await createNetns(nsName);
  const att: PodAttachment = {
    network,
    containerId: `cid${hex}`,
    netns,
    ifname: 'eth0',
    portMappings: [
      {
        hostPort: await freeHostPort(),
        containerPort: 80,
        protocol: 'tcp',
        hostIP: '127.0.0.1',
      },
    ],
  };
  const st = await addPodNetwork(att);
  assert.ok(st.ip.startsWith(network.subnet.slice(0, network.subnet.lastIndexOf('.'))));
  assert.match(st.hostVeth ?? '', /^veth/);
  assert.deepEqual(
    (await listLeases(network)).map((l) => [l.ip, l.containerId]),
    [[st.ip, att.containerId]],
  );
  // The masquerade podkit writes itself (one iptables-restore), as the bridge plugin's ipMasq
  // would: the pod's source to its chain, the subnet accepted, the rest masqueraded.
  const chainName = masqueradeChain(network.name, att.containerId);
  const rules = await iptablesRulesOf(network.name, att.containerId);
  const tag = `--comment "name: \\"${network.name}\\" id: \\"${att.containerId}\\""`;
  for (const want of [
    `-A POSTROUTING -s ${st.ip}/32 -m comment ${tag} -j ${chainName}`,
    `-A ${chainName} -d ${network.subnet} -m comment ${tag} -j ACCEPT`,
    `-A ${chainName} ! -d 224.0.0.0/4 -m comment ${tag} -j MASQUERADE`,
  ])
    assert.ok(rules.includes(want), `${want} in\n${rules.join('\n')}`);
  const lo = await runCommand(['ip', '-n', nsName, '-o', 'link', 'show', 'lo']);
  assert.match(lo.stdout, /UP/);
  await checkPodNetwork(att, st.result);

  await removePodNetwork(att, st.result);
  assert.deepEqual(await listLeases(network), []);
  assert.deepEqual(await iptablesRulesOf(network.name), []);
  await removePodNetwork(att, st.result);

  // A second attachment whose netns vanished before DEL (the bridge plugin then skips its
  // masquerade teardown): the rules and the lease still go.
  const again = await addPodNetwork({ ...att, containerId: `cid2${hex}` });
  await deleteNetns(nsName);
  assert.equal(await netnsExists(nsName), false);
  await removePodNetwork({ ...att, containerId: `cid2${hex}` }, again.result);
  assert.deepEqual(await listLeases(network), []);
  assert.deepEqual(await iptablesRulesOf(network.name), []);
});
