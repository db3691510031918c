import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { access, mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hostname as osHostname } from 'node:os';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { runCommand } from '../host/run-command.js';
import { netnsExists } from '../network/index.js';
import { Runc } from '../runc/index.js';
import { writeJsonAtomic } from '../state/index.js';
import { collectGarbage, listLeftovers } from './gc.js';
import { snapshotHostResources } from './host-snapshot.js';
import { createSandbox, destroySandbox, loadSandbox } from './sandbox.js';
import type { Sandbox } from './sandbox-record.js';
import { mountsUnder } from '../host/mounts.js';
import { namespacePinsIn } from './pinned-namespaces.js';
import { testEnv } from './test-network.js';
import { freeHostPort } from '../testing/host-port.js';

/** Starts a TCP server inside `netns` (node, joined with nsenter) that answers "hi <tag>". */
async function serverInNetns(
  t: { after: (fn: () => void) => void },
  netnsPath: string,
  port: number,
  tag: string,
): Promise<void> {
  const script = `require('net').createServer((s)=>{s.end('hi ${tag}\\n')}).listen(${port},'0.0.0.0',()=>console.log('ready'))`;
  const child = spawn('nsenter', [`--net=${netnsPath}`, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  assert.match(chunk.toString(), /ready/);
}

async function tcpGet(host: string, port: number): Promise<string> {
  const sock = connect({ host, port });
  let data = '';
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => (data += d));
  await once(sock, 'end');
  sock.destroy();
  return data;
}

/** TCP client run inside another netns (the pod-to-pod path). */
async function tcpGetFromNetns(netnsPath: string, host: string, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'${host}');s.pipe(process.stdout);s.on('error',e=>{console.error(e.message);process.exit(3)})`;
  const r = await runCommand(['nsenter', `--net=${netnsPath}`, process.execPath, '-e', script], {
    signal: AbortSignal.timeout(20_000),
  });
  return r.stdout;
}

/** The inode of a namespace file (a /proc/<pid>/ns link, or a pin: its bind mount). */
async function nsInode(file: string): Promise<number> {
  return (await stat(file)).ino;
}

/** `readlink /proc/self/ns/{ipc,uts}` and `hostname` of a process joined to the given namespaces. */
async function joined(ipc: string, uts: string): Promise<string[]> {
  const r = await runCommand([
    'nsenter',
    `--ipc=${ipc}`,
    `--uts=${uts}`,
    'sh',
    '-c',
    'readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts; hostname',
  ]);
  return r.stdout.trim().split('\n');
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function basics(uid: string, name: string) {
  return {
    uid,
    name,
    namespace: 'default',
    hostname: name,
    hostNetwork: false,
    shareProcessNamespace: false,
    portMappings: [],
  };
}

test('createSandbox: netns, pod IP reachable, ipc/uts pinned without a pause, /etc files; destroy restores the host', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const uid = randomUUID();
  const sb = await createSandbox({
    ...basics(uid, 'web'),
    subdomain: 'svc1',
    state: layout,
    network,
    hostResolvConf: 'nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.org\n',
    signal: AbortSignal.timeout(60_000),
  });

  assert.ok(sb.netnsPath !== undefined && (await netnsExists(sb.netnsName ?? '')));
  assert.ok(sb.ip !== undefined);
  assert.ok(sb.ip.startsWith(`${network.subnet.split('.').slice(0, 3).join('.')}.`), sb.ip);
  assert.match(sb.ip, /^10\.89\./);
  assert.deepEqual(await loadSandbox(layout, uid), JSON.parse(JSON.stringify(sb)));
  assert.equal(sb.phase, 'ready');

  // The pod IP answers from the host.
  await serverInNetns(t, sb.netnsPath, 8080, 'web');
  assert.equal(await tcpGet(sb.ip, 8080), 'hi web\n');

  // No pause: ipc and uts are the pod's own namespaces, pinned on files of the sandbox dir;
  // containers join the netns by its path and get their own pid namespace.
  assert.equal(sb.infra, 'pinned');
  assert.equal(sb.pauseId, undefined);
  assert.equal(sb.pausePid, undefined);
  const pins = namespacePinsIn(`${sb.podDir}/sandbox`);
  assert.deepEqual(sb.namespaces, {
    net: sb.netnsPath,
    ipc: pins.ipc,
    uts: pins.uts,
    pid: undefined,
  });
  const mounts = await mountsUnder(sb.podDir);
  assert.ok(mounts.includes(pins.ipc) && mounts.includes(pins.uts), mounts.join(' '));
  const ipcIno = await nsInode(pins.ipc);
  const utsIno = await nsInode(pins.uts);
  assert.notEqual(ipcIno, await nsInode('/proc/self/ns/ipc'));
  assert.notEqual(utsIno, await nsInode('/proc/self/ns/uts'));
  // Two processes joining the pins share one ipc and one uts namespace, hostname set.
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(await joined(pins.ipc, pins.uts), [
      `ipc:[${String(ipcIno)}]`,
      `uts:[${String(utsIno)}]`,
      'web',
    ]);
  }

  // The /etc files.
  const hosts = await readFile(sb.etcHostsPath, 'utf8');
  assert.match(hosts, /^127\.0\.0\.1\tlocalhost$/m);
  assert.ok(hosts.includes(`\n${sb.ip}\tweb.svc1.default.svc.cluster.local\tweb\n`), hosts);
  assert.equal(await readFile(sb.etcHostnamePath, 'utf8'), 'web\n');
  const resolv = await readFile(sb.resolvConfPath, 'utf8');
  assert.doesNotMatch(resolv, /127\.0\.0\.53/);
  assert.match(resolv, /^nameserver 192\.0\.2\.53$/m);
  assert.match(resolv, /^search example\.org$/m);
  assert.ok((await mountsUnder(layout.root)).includes(sb.shmPath));
  // /dev/shm as Kubernetes gives it (64 MiB, 1777, noexec), mounted by the pins' process.
  const shmLine = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .find((l) => l.split(' ')[4] === sb.shmPath);
  assert.match(shmLine ?? '', / - tmpfs shm rw,size=65536k/);
  assert.match(shmLine ?? '', /noexec/);
  assert.equal((await stat(sb.shmPath)).mode & 0o7777, 0o1777);

  const during = await snapshotHostResources(layout, network);
  assert.equal(during.netns.length, 1);
  assert.equal(during.leases.length, 1);
  assert.equal(during.veths.length, 1);
  // Nothing runs for the sandbox: no runc container, no conmon, no process.
  assert.deepEqual(during.runcContainers, []);
  assert.deepEqual(during.processes, []);
  assert.ok(during.iptablesRules.length > 0);

  await destroySandbox(sb);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
  assert.equal(await loadSandbox(layout, uid), undefined);
  assert.equal(await exists(sb.podDir), false);
  await destroySandbox(sb);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('two sandboxes get distinct IPs and reach each other', async (t) => {
  const { layout, network } = await testEnv(t);
  const a = await createSandbox({ ...basics(randomUUID(), 'a'), state: layout, network });
  const b = await createSandbox({ ...basics(randomUUID(), 'b'), state: layout, network });
  assert.ok(a.ip !== undefined && b.ip !== undefined && a.netnsPath && b.netnsPath);
  assert.notEqual(a.ip, b.ip);
  await serverInNetns(t, a.netnsPath, 9000, 'a');
  await serverInNetns(t, b.netnsPath, 9000, 'b');
  assert.equal(await tcpGetFromNetns(b.netnsPath, a.ip, 9000), 'hi a\n');
  assert.equal(await tcpGetFromNetns(a.netnsPath, b.ip, 9000), 'hi b\n');
});

test('a hostPort answers on 127.0.0.1 from the host; destroy removes its rules', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const hostPort = await freeHostPort();
  const sb = await createSandbox({
    ...basics(randomUUID(), 'ports'),
    portMappings: [{ hostPort, containerPort: 8081, protocol: 'tcp' }],
    state: layout,
    network,
  });
  await serverInNetns(t, sb.netnsPath ?? '', 8081, 'ports');
  assert.equal(await tcpGet('127.0.0.1', hostPort), 'hi ports\n');
  assert.ok(
    (await snapshotHostResources(layout, network)).cniChains.length > before.cniChains.length,
  );
  await destroySandbox(sb);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('destroy is idempotent and works after the pause was SIGKILLed', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const sb = await createSandbox({
    ...basics(randomUUID(), 'killed'),
    shareProcessNamespace: true,
    state: layout,
    network,
  });
  assert.ok(sb.pausePid !== undefined);
  process.kill(sb.pausePid, 'SIGKILL');
  await destroySandbox(sb);
  await destroySandbox(sb);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('destroy of a pinned sandbox works after its pins were unmounted and its netns deleted', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const sb = await createSandbox({ ...basics(randomUUID(), 'unpinned'), state: layout, network });
  await runCommand(['umount', sb.namespaces.ipc ?? '']);
  await runCommand(['ip', 'netns', 'delete', sb.netnsName ?? '']);
  await destroySandbox(sb);
  await destroySandbox(sb);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
  assert.equal(await exists(sb.podDir), false);
});

test('gc removes the leftovers of sandboxes whose namespaces are lost (pins gone, pause dead)', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const alive = await createSandbox({ ...basics(randomUUID(), 'alive'), state: layout, network });
  const alivePause = await createSandbox({
    ...basics(randomUUID(), 'alivepause'),
    shareProcessNamespace: true,
    state: layout,
    network,
  });
  const unpinned = await createSandbox({
    ...basics(randomUUID(), 'unpinned'),
    state: layout,
    network,
  });
  const noNetns = await createSandbox({
    ...basics(randomUUID(), 'nonetns'),
    state: layout,
    network,
  });
  const dead: Sandbox = await createSandbox({
    ...basics(randomUUID(), 'dead'),
    shareProcessNamespace: true,
    state: layout,
    network,
  });
  await runCommand(['umount', unpinned.namespaces.uts ?? '']);
  await runCommand(['ip', 'netns', 'delete', noNetns.netnsName ?? '']);
  assert.ok(dead.pausePid !== undefined);
  process.kill(dead.pausePid, 'SIGKILL');
  // Wait until the kernel has reaped it (runc's parent is gone: init reaps).
  for (let i = 0; i < 200; i++) {
    const st = await readFile(`/proc/${dead.pausePid}/stat`, 'utf8').catch(() => '');
    if (st === '' || / Z /.test(st)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const leftovers = await listLeftovers(layout, { network });
  assert.deepEqual(
    leftovers.map((l) => (l.kind === 'sandbox' ? `${l.kind}:${l.sandbox.name}` : l.kind)).sort(),
    ['sandbox:dead', 'sandbox:nonetns', 'sandbox:unpinned'],
  );
  const { removed, errors } = await collectGarbage(layout, { network });
  assert.deepEqual(errors, []);
  assert.equal(removed.length, 3);
  for (const gone of [dead, unpinned, noNetns]) {
    assert.equal(await loadSandbox(layout, gone.uid), undefined);
    assert.equal(await netnsExists(gone.netnsName ?? ''), false);
    assert.deepEqual(await mountsUnder(gone.podDir), []);
  }
  for (const kept of [alive, alivePause]) {
    assert.ok(await loadSandbox(layout, kept.uid));
    assert.equal(await netnsExists(kept.netnsName ?? ''), true);
  }
  await destroySandbox(alive);
  await destroySandbox(alivePause);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('gc finishes a pinned sandbox that crashed half-way (record says creating)', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const sb = await createSandbox({ ...basics(randomUUID(), 'half'), state: layout, network });
  // Simulate a crash before the pins were recorded: netns, lease, rules and pins are there.
  await writeJsonAtomic(`${sb.podDir}/sandbox.json`, {
    ...sb,
    phase: 'creating',
    namespaces: { ...sb.namespaces, ipc: undefined, uts: undefined },
  });
  assert.deepEqual(
    (await listLeftovers(layout, { network })).map((l) => l.kind),
    ['sandbox'],
  );
  const { errors } = await collectGarbage(layout, { network });
  assert.deepEqual(errors, []);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
  assert.equal(await exists(sb.podDir), false);
});

test('gc finishes a pause sandbox that crashed half-way (record says creating, runc state lost)', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const sb = await createSandbox({
    ...basics(randomUUID(), 'half'),
    shareProcessNamespace: true,
    state: layout,
    network,
  });
  // Simulate a crash: the record is back at "creating" and runc forgot the pause container,
  // but the process, netns, rules and lease are all still there.
  await writeJsonAtomic(`${sb.podDir}/sandbox.json`, { ...sb, phase: 'creating' });
  await rm(`${layout.runcRoot}/${sb.pauseId ?? ''}`, { recursive: true, force: true });
  const { errors } = await collectGarbage(layout, { network });
  assert.deepEqual(errors, []);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('shareProcessNamespace gets a pause as PID 1; hostNetwork skips netns and CNI, ipc/uts pinned', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const shared = await createSandbox({
    ...basics(randomUUID(), 'shared'),
    shareProcessNamespace: true,
    state: layout,
    network,
  });
  assert.equal(shared.infra, 'pause');
  const pid = shared.pausePid;
  assert.ok(pid !== undefined);
  // The pause is PID 1 of the shared pid namespace, in the pod's netns, holding ipc and uts.
  assert.match(await readFile(`/proc/${String(pid)}/status`, 'utf8'), /^NSpid:\s+\d+\s+1$/m);
  assert.deepEqual(shared.namespaces, {
    net: `/proc/${String(pid)}/ns/net`,
    ipc: `/proc/${String(pid)}/ns/ipc`,
    uts: `/proc/${String(pid)}/ns/uts`,
    pid: `/proc/${String(pid)}/ns/pid`,
  });
  assert.equal(await nsInode(`/proc/${String(pid)}/ns/net`), await nsInode(shared.netnsPath ?? ''));
  assert.notEqual(await nsInode(`/proc/${String(pid)}/ns/ipc`), await nsInode('/proc/self/ns/ipc'));
  assert.equal((await joined(shared.namespaces.ipc, shared.namespaces.uts))[2], 'shared');
  const runc = new Runc({ root: layout.runcRoot });
  assert.equal((await runc.state(shared.pauseId ?? ''))?.status, 'running');

  const host = await createSandbox({
    ...basics(randomUUID(), 'hostnet'),
    hostNetwork: true,
    state: layout,
    network,
  });
  assert.equal(host.netnsPath, undefined);
  assert.equal(host.namespaces.net, undefined);
  // ipc/uts stay the pod's own (as kubelet's without hostIPC/hostUTS), the hostname the host's.
  assert.equal(host.infra, 'pinned');
  assert.equal(host.pauseId, undefined);
  const { ipc, uts } = host.namespaces;
  assert.ok(ipc !== undefined && uts !== undefined);
  assert.notEqual(await nsInode(ipc), await nsInode('/proc/self/ns/ipc'));
  assert.notEqual(await nsInode(uts), await nsInode('/proc/self/ns/uts'));
  assert.equal((await joined(ipc, uts))[2], osHostname());
  assert.equal(await readFile(host.etcHostsPath, 'utf8'), await readFile('/etc/hosts', 'utf8'));
  assert.deepEqual(
    (await runc.list()).map((c) => c.id),
    [shared.pauseId],
  );
  await destroySandbox(shared);
  await destroySandbox(host);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('a failed create removes everything it made (pins mounted, hostname refused)', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const uid = randomUUID();
  await assert.rejects(
    createSandbox({
      ...basics(uid, 'toolong'),
      // Longer than the kernel's 64: unshare has mounted the pins when hostname fails.
      hostname: 'h'.repeat(100),
      state: layout,
      network,
    }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SANDBOX_FAILED');
      assert.match(
        err.message,
        /cannot pin the pod's namespaces on .*sandbox\/ns and \/run\/netns\/podkit-/,
      );
      return true;
    },
  );
  assert.equal(await loadSandbox(layout, uid), undefined);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
  assert.equal(await exists(layout.podDir(uid)), false);
});

test('a failed pause start removes everything it made', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const uid = randomUUID();
  await assert.rejects(
    createSandbox({
      ...basics(uid, 'broken'),
      shareProcessNamespace: true,
      state: layout,
      network,
      catatonitPath: '/nonexistent/catatonit',
    }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SANDBOX_FAILED');
      assert.match(
        err.message,
        /pause container of broken did not start: .*\/nonexistent\/catatonit/,
      );
      return true;
    },
  );
  assert.equal(await loadSandbox(layout, uid), undefined);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('a version 1 record (older agent, pause holding ipc/uts) is read as a pause sandbox; gc and destroy handle it', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const sb = await createSandbox({
    ...basics(randomUUID(), 'old'),
    shareProcessNamespace: true,
    state: layout,
    network,
  });
  // What an agent before pinned namespaces wrote for a default pod: no `infra`, a pause.
  const { infra: _infra, ...rest } = sb;
  await writeJsonAtomic(`${sb.podDir}/sandbox.json`, {
    ...rest,
    version: 1,
    shareProcessNamespace: false,
    namespaces: { ...sb.namespaces, pid: undefined },
  });
  const old = await loadSandbox(layout, sb.uid);
  assert.equal(old?.version, 2);
  assert.equal(old.infra, 'pause');
  assert.equal(old.pauseId, sb.pauseId);
  // Its pause lives: wanted by the default rule.
  assert.deepEqual(await listLeftovers(layout, { network }), []);
  assert.ok(sb.pausePid !== undefined);
  process.kill(sb.pausePid, 'SIGKILL');
  await destroySandbox(old);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('a taken hostPort fails before anything is created', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const server = createServer().listen(0, '0.0.0.0');
  await once(server, 'listening');
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const uid = randomUUID();
  await assert.rejects(
    createSandbox({
      ...basics(uid, 'taken'),
      portMappings: [{ hostPort: port, containerPort: 80, protocol: 'tcp' }],
      state: layout,
      network,
    }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'HOSTPORT_CONFLICT');
      assert.match(err.message, new RegExp(`hostPort ${port}/tcp is taken`));
      return true;
    },
  );
  assert.equal(await loadSandbox(layout, uid), undefined);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('early work runs in the pinned namespaces while CNI adds the network; /etc/hosts gets the IP in place', async (t) => {
  const { layout, network } = await testEnv(t);
  const uid = randomUUID();
  let early: { ip: string | undefined; hosts: string; inode: number; uts: boolean } | undefined;
  const sb = await createSandbox({
    ...basics(uid, 'early'),
    state: layout,
    network,
    whileNetworking: async (s) => {
      early = {
        ip: s.ip,
        hosts: await readFile(s.etcHostsPath, 'utf8'),
        inode: (await stat(s.etcHostsPath)).ino,
        uts: s.namespaces.uts !== undefined && (await exists(s.namespaces.uts)),
      };
      return () => Promise.resolve();
    },
  });
  t.after(() => destroySandbox(sb));
  assert.ok(early !== undefined, 'whileNetworking was called');
  assert.equal(early.uts, true, 'the namespaces are pinned when the early work starts');
  assert.doesNotMatch(early.hosts, /\tearly$/m, 'no pod IP line before the network');
  const hosts = await readFile(sb.etcHostsPath, 'utf8');
  const ip = sb.ip ?? 'no IP';
  assert.match(hosts, new RegExp(`^${ip.replace(/\./g, '\\.')}\\tearly$`, 'm'));
  // Containers created early bind-mount the file: it is rewritten in place, not replaced.
  assert.equal((await stat(sb.etcHostsPath)).ino, early.inode);
});

test('a CNI failure undoes the early work while the namespaces still exist, then removes everything', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const uid = randomUUID();
  const seen: string[] = [];
  // The CNI plugins, with a bridge that refuses ADD (and deletes as the real one does): the
  // ADD fails after the namespaces were pinned.
  const pluginDir = path.join(layout.root, 'cni-plugins');
  await mkdir(pluginDir);
  for (const name of await readdir(network.pluginDir))
    await symlink(path.join(network.pluginDir, name), path.join(pluginDir, name));
  await rm(path.join(pluginDir, 'bridge'));
  await writeFile(
    path.join(pluginDir, 'bridge'),
    `#!/bin/sh\nif [ "$CNI_COMMAND" = ADD ]; then echo '{"cniVersion":"1.0.0","code":11,"msg":"refused by the test"}'; exit 1; fi\nexec ${network.pluginDir}/bridge\n`,
    { mode: 0o755 },
  );
  await assert.rejects(
    createSandbox({
      ...basics(uid, 'nocni'),
      state: layout,
      network: { ...network, pluginDir },
      whileNetworking: (s) =>
        Promise.resolve(async () => {
          seen.push(`undo netns=${String(await netnsExists(s.netnsName ?? ''))}`);
          seen.push(`undo uts=${String(await exists(s.namespaces.uts ?? ''))}`);
        }),
    }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SANDBOX_FAILED');
      assert.match(err.message, /refused by the test/);
      return true;
    },
  );
  assert.deepEqual(seen, ['undo netns=true', 'undo uts=true']);
  assert.equal(await loadSandbox(layout, uid), undefined);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
  assert.equal(await exists(layout.podDir(uid)), false);
});
