import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
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

test('createSandbox: netns, pod IP reachable, pause is PID 1, /etc files; destroy restores the host', async (t) => {
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

  // The pause process is PID 1 in its own pid namespace, and sits in the pod's netns.
  assert.ok(sb.pausePid !== undefined);
  const status = await readFile(`/proc/${sb.pausePid}/status`, 'utf8');
  assert.match(status, /^NSpid:\s+\d+\s+1$/m);
  const nsOfNetnsFile = (await stat(sb.netnsPath)).ino;
  const nsOfPause = (await stat(`/proc/${sb.pausePid}/ns/net`)).ino;
  assert.equal(nsOfPause, nsOfNetnsFile);
  assert.notEqual(
    (await stat(`/proc/${sb.pausePid}/ns/ipc`)).ino,
    (await stat('/proc/self/ns/ipc')).ino,
  );
  assert.equal(sb.namespaces.ipc, `/proc/${sb.pausePid}/ns/ipc`);
  assert.equal(sb.namespaces.pid, undefined);

  // Hostname in the pause's UTS namespace, and the /etc files.
  const hn = await runCommand(['nsenter', `--uts=${sb.namespaces.uts ?? ''}`, 'hostname']);
  assert.equal(hn.stdout.trim(), 'web');
  const hosts = await readFile(sb.etcHostsPath, 'utf8');
  assert.match(hosts, /^127\.0\.0\.1\tlocalhost$/m);
  assert.ok(hosts.includes(`\n${sb.ip}\tweb.svc1.default.svc.cluster.local\tweb\n`), hosts);
  assert.equal(await readFile(sb.etcHostnamePath, 'utf8'), 'web\n');
  const resolv = await readFile(sb.resolvConfPath, 'utf8');
  assert.doesNotMatch(resolv, /127\.0\.0\.53/);
  assert.match(resolv, /^nameserver 192\.0\.2\.53$/m);
  assert.match(resolv, /^search example\.org$/m);
  assert.ok((await mountsUnder(layout.root)).includes(sb.shmPath));

  const during = await snapshotHostResources(layout, network);
  assert.equal(during.netns.length, 1);
  assert.equal(during.leases.length, 1);
  assert.equal(during.veths.length, 1);
  assert.equal(during.runcContainers.length, 1);
  assert.ok(during.iptablesRules.length > 0);

  await destroySandbox(sb);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
  assert.equal(await loadSandbox(layout, uid), undefined);
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
  const sb = await createSandbox({ ...basics(randomUUID(), 'killed'), state: layout, network });
  assert.ok(sb.pausePid !== undefined);
  process.kill(sb.pausePid, 'SIGKILL');
  await destroySandbox(sb);
  await destroySandbox(sb);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('gc removes the leftovers of a sandbox whose pause process died', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const alive = await createSandbox({ ...basics(randomUUID(), 'alive'), state: layout, network });
  const dead: Sandbox = await createSandbox({
    ...basics(randomUUID(), 'dead'),
    state: layout,
    network,
  });
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
    leftovers.map((l) => (l.kind === 'sandbox' ? `${l.kind}:${l.sandbox.name}` : l.kind)),
    ['sandbox:dead'],
  );
  const { removed, errors } = await collectGarbage(layout, { network });
  assert.deepEqual(errors, []);
  assert.equal(removed.length, 1);
  assert.equal(await loadSandbox(layout, dead.uid), undefined);
  assert.ok(await loadSandbox(layout, alive.uid));
  assert.equal(await netnsExists(dead.netnsName ?? ''), false);
  assert.equal(await netnsExists(alive.netnsName ?? ''), true);
  await destroySandbox(alive);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('gc finishes a sandbox that crashed half-way (record says creating, runc state lost)', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const sb = await createSandbox({ ...basics(randomUUID(), 'half'), state: layout, network });
  // Simulate a crash: the record is back at "creating" and runc forgot the pause container,
  // but the process, netns, rules and lease are all still there.
  await writeJsonAtomic(`${sb.podDir}/sandbox.json`, { ...sb, phase: 'creating' });
  await rm(`${layout.runcRoot}/${sb.pauseId}`, { recursive: true, force: true });
  const { errors } = await collectGarbage(layout, { network });
  assert.deepEqual(errors, []);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('shareProcessNamespace records the pid namespace; hostNetwork skips netns and CNI', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const shared = await createSandbox({
    ...basics(randomUUID(), 'shared'),
    shareProcessNamespace: true,
    state: layout,
    network,
  });
  assert.equal(shared.namespaces.pid, `/proc/${String(shared.pausePid)}/ns/pid`);

  const host = await createSandbox({
    ...basics(randomUUID(), 'hostnet'),
    hostNetwork: true,
    state: layout,
    network,
  });
  assert.equal(host.netnsPath, undefined);
  assert.equal(host.namespaces.net, undefined);
  assert.ok(host.pausePid !== undefined);
  assert.equal(
    (await stat(`/proc/${host.pausePid}/ns/net`)).ino,
    (await stat('/proc/self/ns/net')).ino,
  );
  assert.notEqual(
    (await stat(`/proc/${host.pausePid}/ns/ipc`)).ino,
    (await stat('/proc/self/ns/ipc')).ino,
  );
  assert.equal(await readFile(host.etcHostsPath, 'utf8'), await readFile('/etc/hosts', 'utf8'));
  const runc = new Runc({ root: layout.runcRoot });
  assert.equal((await runc.state(host.pauseId))?.status, 'running');
  await destroySandbox(shared);
  await destroySandbox(host);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('a failed create removes everything it made', async (t) => {
  const { layout, network } = await testEnv(t);
  const before = await snapshotHostResources(layout, network);
  const uid = randomUUID();
  await assert.rejects(
    createSandbox({
      ...basics(uid, 'broken'),
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
