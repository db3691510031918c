import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AgentClient } from '@podkit/agent/client';
import { runCommand, stateLayout, type StateLayout } from '@podkit/runtime';
import {
  listPods,
  listServices,
  listWorkloads,
  removePod,
  removeService,
  removeWorkload,
} from '../agent-access.js';
import { reserveTestSubnet } from '@podkit/runtime/testing';
import type { CliIo } from '../io.js';
import { runCli } from '../run-cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.join(here, '..', '..', '..', '..');
export const MAIN = path.join(here, '..', 'main.ts');
export const BUSYBOX_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A CliIo whose output the test reads, with signals the test sends (`signals.emit('SIGINT')`). */
export interface Captured {
  io: CliIo;
  signals: EventEmitter;
  out: () => string;
  err: () => string;
}

export function capture(options: { isTTY?: boolean; env?: Record<string, string> } = {}): Captured {
  let out = '';
  let err = '';
  const signals = new EventEmitter();
  return {
    io: {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      isTTY: options.isTTY ?? false,
      env: options.env ?? {},
      signals: {
        on: (event, listener) => signals.on(event, listener),
        off: (event, listener) => signals.off(event, listener),
      },
    },
    signals,
    out: () => out,
    err: () => err,
  };
}

/** A minimal root filesystem from Debian's static busybox (one relative symlink per applet). */
export async function makeBusyboxRootfs(dir: string): Promise<string> {
  const bin = path.join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  await copyFile('/usr/bin/busybox', path.join(bin, 'busybox'));
  const applets = spawnSync('/usr/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout;
  for (const a of applets.split('\n')) {
    if (a !== '' && a !== 'busybox') await symlink('busybox', path.join(bin, a));
  }
  for (const d of ['etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'var'])
    await mkdir(path.join(dir, d), { recursive: true });
  await writeFile(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(path.join(dir, 'etc/group'), 'root:x:0:\n');
  return dir;
}

export interface CliTestEnv {
  root: string;
  layout: StateLayout;
  /** Writes a manifest into the test's directory; returns its path. */
  manifest: (name: string, yaml: string) => Promise<string>;
  /** `podkit --root ROOT …` in-process. */
  run: (argv: readonly string[], c?: Captured) => Promise<{ code: number } & Captured>;
  /** `podkit --root ROOT …` as a child process (the real bin: stdio, exit code). */
  spawn: (argv: readonly string[]) => { status: number | null; stdout: string; stderr: string };
}

/**
 * A per-test state root with its own pod network (a bridge and a random /24 in network.json,
 * as the runtime's own tests do) and a `busybox:test` rootfs image added through the CLI.
 * Everything — pods, leftovers, the bridge, files — is removed in t.after, even on failure.
 */
export async function cliTestEnv(t: TestContext): Promise<CliTestEnv> {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-cli-'));
  const layout = stateLayout(root);
  const hex = randomBytes(3).toString('hex');
  const bridge = `pkc${hex}`;
  t.after(async () => {
    // The root's agent (started by the first command that needed it, as for a user) removes
    // every pod, then stops.
    const client = new AgentClient(root);
    if (await client.alive()) {
      // Workloads first, or their controllers would replace the pods removed below.
      for (const w of await listWorkloads(client).catch(() => [])) {
        const { namespace, name } = w.record.object.metadata;
        await removeWorkload(client, w.record.kind, namespace, name, 1).catch(() => undefined);
      }
      for (const r of await listPods(client).catch(() => [])) {
        await removePod(client, r.namespace, r.name, { force: true, timeoutMs: 10_000 }).catch(
          () => undefined,
        );
      }
      // Services too: the last one's removal takes the proxy's nftables table with it.
      for (const r of await listServices(client).catch(() => [])) {
        const { namespace, name } = r.service.metadata;
        await removeService(client, namespace, name).catch(() => undefined);
      }
      await client.call('POST', '/v1/gc').catch(() => undefined);
      await client.call('POST', '/v1/agent/stop').catch(() => undefined);
    }
    await runCommand(['ip', 'link', 'del', bridge], { allowFailure: true });
    // A bug the agent logged (it goes on, or exits, without the test seeing why) is shown.
    const agentLog = await readFile(path.join(root, 'agent.log'), 'utf8').catch(() => '');
    if (/unhandled rejection|uncaught exception/.test(agentLog))
      t.diagnostic(`agent.log:\n${agentLog}`);
    await rm(root, { recursive: true, force: true });
  });
  await writeFile(
    path.join(root, 'network.json'),
    JSON.stringify({ name: `pkc-${hex}`, bridge, subnet: await reserveTestSubnet(t) }),
  );
  const rootfs = await makeBusyboxRootfs(path.join(root, 'busybox-rootfs'));
  const run = async (argv: readonly string[], c = capture()) => {
    const code = await runCli(['--root', root, ...argv], c.io);
    return { code, ...c };
  };
  const added = await run([
    'image',
    'add',
    'busybox:test',
    '--rootfs',
    rootfs,
    '--cmd',
    '["sh"]',
    '--env',
    BUSYBOX_PATH_ENV,
  ]);
  if (added.code !== 0) throw new Error(`image add failed: ${added.err()}`);
  return {
    root,
    layout,
    manifest: async (name, yaml) => {
      const file = path.join(root, name);
      await writeFile(file, yaml);
      return file;
    },
    run,
    spawn: (argv) => {
      const r = spawnSync(
        process.execPath,
        ['--conditions=podkit-source', '--import', 'tsx', MAIN, '--root', root, ...argv],
        { cwd: REPO, encoding: 'utf8', timeout: 60_000 },
      );
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
  };
}
