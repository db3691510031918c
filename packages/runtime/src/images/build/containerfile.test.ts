import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  finalStageConfig,
  parseContainerfile,
  parseKeyValues,
  type Containerfile,
} from './containerfile.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** What the Containerfile of one pattern container must agree with: its package. */
interface Expectation {
  /** The package's bin script, e.g. `dist/main.js`, and its directory under packages/. */
  packageDir: string;
  bin: string;
  version: string;
  license: string;
}

const REQUIRED_LABELS = ['title', 'description', 'version', 'licenses', 'source'].map(
  (l) => `org.opencontainers.image.${l}`,
);

/**
 * The checklist every Containerfile of a pattern container must pass (docs/kubernetes.md,
 * "Containerfile checklist"): hadolint is not packaged for Debian, so the rules it would
 * apply to these files, and podkit's own, are checked here. Returns the problems.
 */
function lintContainerfile(cf: Containerfile, want: Expectation): string[] {
  const problems: string[] = [];
  const at = (line: number, message: string): void => {
    problems.push(`line ${line}: ${message}`);
  };
  const final = cf.stages.at(-1);
  if (final === undefined || cf.stages.length < 2) {
    problems.push('must be multi-stage: a build stage and a final stage');
    return problems;
  }
  for (const stage of cf.stages) {
    if (!/:[^/]+$/.test(stage.from) || stage.from.endsWith(':latest')) {
      at(stage.line, `FROM ${stage.from}: pin a tag other than latest (DL3006/DL3007)`);
    }
    for (const ins of stage.instructions) {
      if (ins.keyword === 'ADD') at(ins.line, 'use COPY, not ADD (DL3020)');
      if (ins.keyword === 'MAINTAINER') at(ins.line, 'MAINTAINER is deprecated: a LABEL (DL4000)');
      if (ins.keyword === 'WORKDIR' && !ins.args.startsWith('/')) {
        at(ins.line, 'WORKDIR must be absolute (DL3000)');
      }
      if (ins.keyword === 'ENV' && !/^\S+=/.test(ins.args)) {
        at(ins.line, 'ENV KEY=VALUE, not the legacy ENV KEY VALUE');
      }
      if (ins.keyword !== 'RUN') continue;
      if (/(^|[;&|]\s*)cd\s/.test(ins.args)) at(ins.line, 'use WORKDIR, not cd (DL3003)');
      if (/\bsudo\b/.test(ins.args)) at(ins.line, 'no sudo (DL3004)');
      if (/apt-get\s+(dist-)?upgrade/.test(ins.args)) at(ins.line, 'no apt-get upgrade (DL3005)');
      if (/apt-get\s+install/.test(ins.args)) {
        if (!/install\s+(-\S+\s+)*-y\b/.test(ins.args) && !/\s-y\s/.test(ins.args)) {
          at(ins.line, 'apt-get install needs -y (DL3014)');
        }
        if (!ins.args.includes('--no-install-recommends')) {
          at(ins.line, 'apt-get install --no-install-recommends (DL3015)');
        }
        if (!ins.args.includes('rm -rf /var/lib/apt/lists')) {
          at(ins.line, 'remove /var/lib/apt/lists in the same RUN (DL3009)');
        }
      }
    }
  }
  const builds = cf.stages.slice(0, -1).flatMap((s) => s.instructions);
  const runs = builds.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  if (!runs.some((r) => /\bnpm ci\b/.test(r))) problems.push('a build stage must run npm ci');
  if (!runs.some((r) => /\btsc\b/.test(r))) problems.push('a build stage must compile (tsc)');
  if (!runs.some((r) => /\bscripts\/bundle\.ts\b/.test(r))) {
    problems.push('a build stage must bundle the bin (node --import tsx scripts/bundle.ts)');
  }
  if (!/^(docker\.io\/library\/)?node:20[.\w-]*-slim$/.test(final.from)) {
    at(final.line, `final stage must be a Node 20 slim image, got ${final.from}`);
  }
  for (const ins of final.instructions) {
    if (ins.keyword === 'COPY' && !ins.args.includes('--from=')) {
      at(ins.line, 'the final stage copies built files from other stages only (COPY --from=)');
    }
    if (ins.keyword === 'COPY' && /node_modules/.test(ins.args)) {
      at(ins.line, 'the bundled bin needs no node_modules: do not copy them');
    }
  }
  const one = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword).at(-1);
  const config = finalStageConfig(cf);
  const user = one('USER');
  if (user === undefined) problems.push('final stage needs USER (non-root)');
  else if (!/^[1-9]\d*(:[1-9]\d*)?$/.test(user.args)) {
    at(user.line, `USER must be a numeric non-root uid[:gid], got ${user.args}`);
  }
  if (config.stopSignal === undefined) problems.push('STOPSIGNAL missing');
  else if (!/^SIG[A-Z0-9]+$/.test(config.stopSignal)) {
    problems.push(`STOPSIGNAL ${config.stopSignal}: a signal name like SIGTERM`);
  }
  if (config.exposedPorts.length === 0) problems.push('EXPOSE the ports it listens on');
  for (const p of config.exposedPorts) {
    if (!/^\d{1,5}\/(tcp|udp)$/.test(p)) problems.push(`EXPOSE ${p}: PORT/tcp or PORT/udp`);
  }
  for (const label of REQUIRED_LABELS) {
    if (config.labels[label] === undefined) problems.push(`LABEL ${label} missing`);
  }
  const version = config.labels['org.opencontainers.image.version'];
  if (version !== undefined && version !== want.version) {
    problems.push(`LABEL version ${version} is not the package's ${want.version}`);
  }
  const licenses = config.labels['org.opencontainers.image.licenses'];
  if (licenses !== undefined && licenses !== want.license) {
    problems.push(`LABEL licenses ${licenses} is not the package's ${want.license}`);
  }
  const health = config.healthcheck;
  if (health === undefined)
    problems.push('HEALTHCHECK missing (CMD, or NONE with a # health: note)');
  else if (health.args.trim() === 'NONE') {
    if (!health.comments.some((c) => /^health:.*\/healthz/.test(c))) {
      at(health.line, 'HEALTHCHECK NONE must follow a "# health: … /healthz …" comment');
    }
  } else if (!/CMD\s+\[/.test(health.args)) {
    at(health.line, 'HEALTHCHECK CMD in exec (JSON) form');
  }
  const entry = one('ENTRYPOINT');
  if (entry?.json === undefined) problems.push('ENTRYPOINT in exec (JSON) form');
  else {
    const script = `/app/packages/${want.packageDir}/${want.bin.replace(/^\.\//, '')}`;
    if (entry.json[0] !== 'node' || entry.json[1] !== script) {
      at(entry.line, `ENTRYPOINT must run ["node", "${script}"] (the package's bin)`);
    }
  }
  return problems;
}

/** Every `podkit-*` bin of the workspace: one image each (podkit itself is the CLI). */
async function patternBins(): Promise<Map<string, Expectation>> {
  const bins = new Map<string, Expectation>();
  for (const dir of await readdir(path.join(REPO, 'packages'))) {
    let pkg: { bin?: Record<string, string>; version: string; license: string };
    try {
      const text = await readFile(path.join(REPO, 'packages', dir, 'package.json'), 'utf8');
      pkg = JSON.parse(text) as typeof pkg;
    } catch {
      continue;
    }
    for (const [name, bin] of Object.entries(pkg.bin ?? {})) {
      if (!name.startsWith('podkit-')) continue;
      bins.set(name.slice('podkit-'.length), {
        packageDir: dir,
        bin,
        version: pkg.version,
        license: pkg.license,
      });
    }
  }
  return bins;
}

test('every pattern container has a Containerfile, and each passes the checklist', async () => {
  const bins = await patternBins();
  assert.ok(bins.size >= 4, `pattern bins: ${[...bins.keys()].join(', ')}`);
  const dirs = (await readdir(path.join(REPO, 'containers'))).sort();
  assert.deepEqual(dirs, [...bins.keys()].sort(), 'containers/<name> for each podkit-<name> bin');
  for (const [name, want] of bins) {
    const file = path.join('containers', name, 'Containerfile');
    const cf = parseContainerfile(await readFile(path.join(REPO, file), 'utf8'));
    assert.deepEqual(lintContainerfile(cf, want), [], file);
  }
});

test('the checklist fails a Containerfile that breaks its rules (so it can fail)', () => {
  const bad = parseContainerfile(
    [
      'FROM node:latest AS build',
      'RUN cd /src && npm install',
      'FROM node:20',
      'ADD . /app',
      'RUN apt-get install git',
      'USER node',
      'EXPOSE 80',
      'ENTRYPOINT node /app/main.js',
      'COPY src /app',
      '',
    ].join('\n'),
  );
  const problems = lintContainerfile(bad, {
    packageDir: 'x',
    bin: './dist/main.js',
    version: '0.1.0',
    license: 'Apache-2.0',
  });
  for (const expected of [
    'line 1: FROM node:latest: pin a tag other than latest (DL3006/DL3007)',
    'line 2: use WORKDIR, not cd (DL3003)',
    'line 4: use COPY, not ADD (DL3020)',
    'line 5: apt-get install needs -y (DL3014)',
    'line 5: apt-get install --no-install-recommends (DL3015)',
    'line 5: remove /var/lib/apt/lists in the same RUN (DL3009)',
    'a build stage must run npm ci',
    'a build stage must compile (tsc)',
    'line 3: final stage must be a Node 20 slim image, got node:20',
    'line 9: the final stage copies built files from other stages only (COPY --from=)',
    'line 6: USER must be a numeric non-root uid[:gid], got node',
    'STOPSIGNAL missing',
    'LABEL org.opencontainers.image.title missing',
    'HEALTHCHECK missing (CMD, or NONE with a # health: note)',
    'ENTRYPOINT in exec (JSON) form',
  ]) {
    assert.ok(problems.includes(expected), `expected "${expected}" in:\n${problems.join('\n')}`);
  }
});

test('parser: continuations, comments, stages, exec form, KEY=VALUE lists', () => {
  const cf = parseContainerfile(
    [
      '# syntax=docker/dockerfile:1',
      'FROM --platform=linux/amd64 node:20-slim AS build',
      'RUN a \\',
      '  # a comment inside',
      '  && b',
      'FROM node:20-slim',
      'ENV A=1 B="two words"',
      'LABEL x.y="a \\"q\\"" z=plain',
      'EXPOSE 80 53/udp',
      '# health: GET /healthz',
      'HEALTHCHECK NONE',
      'ENTRYPOINT ["node", "m.js"]',
      'CMD --flag',
      '',
    ].join('\n'),
  );
  assert.equal(cf.stages.length, 2);
  assert.deepEqual(
    { from: cf.stages[0]?.from, name: cf.stages[0]?.name },
    { from: 'node:20-slim', name: 'build' },
  );
  assert.equal(cf.stages[0]?.instructions[0]?.args, 'a && b');
  const config = finalStageConfig(cf);
  assert.deepEqual(config.env, ['A=1', 'B=two words']);
  assert.deepEqual(config.labels, { 'x.y': 'a "q"', z: 'plain' });
  assert.deepEqual(config.exposedPorts, ['80/tcp', '53/udp']);
  assert.deepEqual(config.entrypoint, ['node', 'm.js']);
  assert.deepEqual(config.cmd, ['/bin/sh', '-c', '--flag']);
  assert.deepEqual(config.healthcheck?.comments, ['health: GET /healthz']);
  assert.deepEqual(parseKeyValues("a='b c' d=e"), [
    ['a', 'b c'],
    ['d', 'e'],
  ]);
});
