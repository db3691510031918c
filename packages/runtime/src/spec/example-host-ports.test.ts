import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadManifestFile } from './manifests.js';
import type { PodSpec } from './types.js';
import { hostPortsOf } from './workloads.js';

/*
 * The examples' host ports: what a user's machine sees when the examples run, perhaps side by
 * side, perhaps beside their own services. Every port an example publishes (a hostPort, or a
 * host program's listen address its README starts) belongs to one example, is not a port
 * common services or other tools use, and lies outside the ranges podkit's tests take ports
 * from. Every 127.0.0.1:PORT the READMEs and scripts print is one of them.
 */

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const EXAMPLES = path.join(REPO, 'examples');

/** Ranges a published example port must stay out of, and why. */
const AVOID: [number, number, string][] = [
  [1, 1023, 'privileged'],
  [3000, 3999, 'development servers (3000), Grafana'],
  [5000, 5999, 'development servers, registries (5000)'],
  [8000, 9999, 'http-alt (8080, 8081, 8088…), Prometheus (9090) and its exporters (9100-9999)'],
  [10_000, 12_700, "the Redis example tests' backends"],
  [13_000, 28_999, "freeHostPort's range (test pods' hostPorts)"],
];

/** The machine's ephemeral range (port-0 listeners and outgoing connections). */
async function ephemeralRange(): Promise<[number, number]> {
  const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  const [lo, hi] = text.trim().split(/\s+/).map(Number);
  return [lo ?? 32_768, hi ?? 60_999];
}

/** Ports named in /etc/services (tcp): taken by convention by some service. */
async function namedServices(): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const line of (await readFile('/etc/services', 'utf8')).split('\n')) {
    const m = /^(\S+)\s+(\d+)\/tcp/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(Number(m[2]), m[1]);
  }
  return out;
}

interface Published {
  port: number;
  example: string;
  /** What publishes it: `pod.yaml: container nginx` or `README.md: prometheus`. */
  what: string;
  /** Who listens (container name or host program), the same wherever the port appears. */
  owner: string;
}

/**
 * Host ports an example publishes: hostPorts of its pods and of its workloads' pod templates
 * (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job), nodePorts of its Services (podkit
 * serves them on the host's addresses), host listeners in its README.
 */
async function published(example: string): Promise<Published[]> {
  const dir = path.join(EXAMPLES, example);
  const out: Published[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort()) {
    const set = await loadManifestFile(path.join(dir, file));
    assert.deepEqual(
      set.diagnostics.filter((d) => d.severity === 'error'),
      [],
      `examples/${example}/${file} is valid`,
    );
    const specs: [string, PodSpec][] = [
      ...set.pods.map((p): [string, PodSpec] => [`pod ${p.metadata.name}`, p.spec]),
      ...[
        ...set.deployments,
        ...set.replicaSets,
        ...set.statefulSets,
        ...set.daemonSets,
        ...set.jobs,
      ].map((w): [string, PodSpec] => [
        `${w.kind.toLowerCase()} ${w.metadata.name}`,
        w.spec.template.spec,
      ]),
    ];
    for (const [what, spec] of specs)
      for (const { container, port } of hostPortsOf(spec))
        out.push({
          port,
          example,
          what: `${file}: ${what}, container ${container}`,
          owner: container,
        });
    for (const svc of set.services)
      for (const p of svc.spec.ports)
        if (p.nodePort !== undefined)
          out.push({
            port: p.nodePort,
            example,
            what: `${file}: service ${svc.metadata.name} nodePort`,
            owner: `service ${svc.metadata.name}`,
          });
  }
  const readme = await readFile(path.join(dir, 'README.md'), 'utf8').catch(() => '');
  for (const m of readme.matchAll(/--web\.listen-address=127\.0\.0\.1:(\d+)/g))
    out.push({ port: Number(m[1]), example, what: 'README.md: prometheus', owner: 'prometheus' });
  return out;
}

/** `127.0.0.1:PORT` mentions in text a user reads or runs, with their line. */
function loopbackMentions(text: string): { port: number; line: string }[] {
  return [...text.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => ({
    port: Number(m[1]),
    line: text.slice(0, m.index).split('\n').length.toString(),
  }));
}

test('examples: every published host port (hostPorts of pods and workload templates, nodePorts) belongs to one example, is uncommon, and is outside the test ranges; READMEs and scripts name only those', async () => {
  const examples = (await readdir(EXAMPLES, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const all = (await Promise.all(examples.map(published))).flat();
  assert.ok(all.length >= 7, `expected the examples' host ports, found ${String(all.length)}`);
  const services = await namedServices();
  const [ephLo, ephHi] = await ephemeralRange();
  const problems: string[] = [];
  const byPort = new Map<number, Published[]>();
  for (const p of all) byPort.set(p.port, [...(byPort.get(p.port) ?? []), p]);
  for (const [port, uses] of byPort) {
    const where = uses.map((u) => `${u.example}/${u.what}`).join(', ');
    // Alternative manifests of one example (pod.yaml, pod-dev.yaml) may publish the same
    // container on the same port; two different listeners may not.
    if (new Set(uses.map((u) => `${u.example} ${u.owner}`)).size > 1)
      problems.push(`${String(port)} is published twice: ${where}`);
    for (const [lo, hi, why] of AVOID)
      if (port >= lo && port <= hi) problems.push(`${String(port)} (${where}) is in ${why}`);
    if (port >= ephLo && port <= ephHi)
      problems.push(`${String(port)} (${where}) is in the ephemeral range`);
    const service = services.get(port);
    if (service !== undefined)
      problems.push(`${String(port)} (${where}) is /etc/services' ${service}`);
  }

  // What the READMEs, the examples' files and the demo tell a user to open on this machine.
  const ports = (example: string): Set<number> =>
    new Set(all.filter((p) => p.example === example).map((p) => p.port));
  const texts: [string, Set<number>][] = [
    ['README.md', ports('push-to-deploy')],
    ['scripts/demo.sh', ports('push-to-deploy')],
  ];
  for (const example of examples)
    for (const f of await readdir(path.join(EXAMPLES, example)))
      if (!f.endsWith('.yaml')) texts.push([`examples/${example}/${f}`, ports(example)]);
  for (const [file, allowed] of texts) {
    const text = await readFile(path.join(REPO, file), 'utf8');
    for (const { port, line } of loopbackMentions(text))
      if (!allowed.has(port))
        problems.push(`${file}:${line} names 127.0.0.1:${String(port)}, not a port it publishes`);
  }
  assert.deepEqual(problems, []);
});
