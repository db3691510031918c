import {
  chmod,
  copyFile,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isPodkitError } from '@podkit/kit';
import { imageBuildError, RuntimeErrorCode } from '../../errors.js';
import { runCommand } from '../../host/run-command.js';
import { writeOciLayout, type BuiltImage, type ImageConfigInput } from '../oci/layout-writer.js';
import { finalStageConfig, parseContainerfile, type ContainerfileConfig } from './containerfile.js';

/** Where the node image keeps its binary, and the PATH its config sets. */
const NODE_PATH_IN_IMAGE = '/usr/local/bin/node';
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The workspace lives at /app in the image, as the Containerfiles lay it out. */
const APP = '/app';

export interface BuildNodeImageOptions {
  /** The workspace root: the Containerfile's build context (holds package.json, packages/). */
  context: string;
  /** The Containerfile whose final stage gives the image config. */
  containerfile: string;
  /** The image's name, written as the layout's `org.opencontainers.image.ref.name`. */
  name: string;
  /** The OCI layout directory to write (created; an existing one must be empty). */
  output: string;
  /**
   * Host programs or directories the package needs besides node (what the Containerfile
   * installs with apt-get), copied with the shared libraries of every ELF file in them,
   * e.g. `['/usr/bin/git', '/usr/lib/git-core']` for git-sync.
   */
  include?: readonly string[] | undefined;
  /** The node binary to ship (default: the one running this code). */
  nodeBinary?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface BuildNodeImageResult {
  image: BuiltImage;
  config: ImageConfigInput;
  /** What each layer holds, for the caller's report. */
  layers: { createdBy: string; files: number }[];
}

const invalid = (message: string, hint?: string, cause?: unknown) =>
  imageBuildError(RuntimeErrorCode.IMAGE_BUILD_INVALID, message, {
    ...(hint === undefined ? {} : { hint }),
    ...(cause === undefined ? {} : { cause }),
  });

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  workspaces?: string[];
}

async function readPackageJson(dir: string): Promise<PackageJson> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch (err) {
    throw invalid(
      `cannot read ${path.join(dir, 'package.json')}: ${(err as Error).message}`,
      undefined,
      err,
    );
  }
}

const exists = async (p: string): Promise<boolean> => {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
};

/**
 * The image's layers, from the bottom:
 *
 * 1. runtime: the host's node binary at /usr/local/bin/node, the shared libraries it (and
 *    every `include`d ELF file) loads, found with ldd, copied with the symlinks of their
 *    paths (merged /usr), plus a minimal /etc (passwd and group with the Containerfile's
 *    numeric USER, nsswitch.conf, CA certificates) and /tmp;
 * 2. the production node_modules the package needs: its dependency closure, read from the
 *    package.json files and resolved as Node resolves them, at the same paths under /app;
 * 3. the workspace packages themselves (package.json + dist/ of the package and of the
 *    workspace packages it depends on) and node_modules links to them, as npm makes them.
 *
 * An ENTRYPOINT under `dist/bundle/` (the pattern containers' bins, bundled by
 * scripts/bundle.ts) is self-contained: the image then has two layers, the runtime and the
 * package's package.json (for `"type": "module"`) + `dist/bundle/`, and no node_modules.
 *
 * The config (entrypoint, cmd, env, workdir, user, stop signal, labels, exposed ports) is
 * the Containerfile's final stage's, so both builds give the same image contract.
 *
 * @example
 *   await buildNodeImage({ context: repo, containerfile: 'containers/log-adapter/Containerfile',
 *     name: 'ghcr.io/podkit/log-adapter:0.1.0', output: '/tmp/log-adapter.oci' });
 */
export async function buildNodeImage(
  options: BuildNodeImageOptions,
): Promise<BuildNodeImageResult> {
  const context = path.resolve(options.context);
  let text: string;
  try {
    text = await readFile(options.containerfile, 'utf8');
  } catch (err) {
    throw invalid(
      `cannot read ${options.containerfile}: ${(err as Error).message}`,
      'pass a Containerfile, e.g. containers/git-sync/Containerfile',
      err,
    );
  }
  const cf = finalStageConfig(parseContainerfile(text));
  const script = cf.entrypoint?.[0] === 'node' ? cf.entrypoint[1] : undefined;
  const packageRel =
    script === undefined ? undefined : /^\/app\/(packages\/[^/]+)\/dist\//.exec(script)?.[1];
  if (script === undefined || packageRel === undefined) {
    throw invalid(
      `${options.containerfile}: ENTRYPOINT must be ["node", "/app/packages/<package>/dist/<main>.js"], got ${JSON.stringify(cf.entrypoint)}`,
      'podkit builds images of workspace packages run by node',
    );
  }
  const scriptOnHost = path.join(context, path.relative(APP, script));
  if (!(await exists(scriptOnHost))) {
    throw invalid(
      `${scriptOnHost} does not exist`,
      bundled(script)
        ? 'build the workspace first: npm run build (tsc, then scripts/bundle.ts)'
        : `build the package first: npx tsc -b ${packageRel}/tsconfig.build.json`,
    );
  }
  await prepareOutput(options.output);
  const staging = await mkdtemp(path.join(tmpdir(), 'podkit-build-node-'));
  try {
    const [base, modules, app] = ['base', 'modules', 'app'].map((d) => path.join(staging, d)) as [
      string,
      string,
      string,
    ];
    const baseFiles = await stageRuntime(base, cf, options);
    const runtimeLayer = {
      dir: base,
      files: baseFiles.files,
      createdBy: `podkit build-node: node ${process.version} + ${baseFiles.libraries} shared libraries, /etc`,
    };
    const layers = bundled(script)
      ? [
          runtimeLayer,
          {
            dir: app,
            files: await stageBundle(context, app, packageRel),
            createdBy: `podkit build-node: ${packageRel} (dist/bundle)`,
          },
        ]
      : [runtimeLayer, ...(await stageUnbundled(context, packageRel, modules, app))];
    const config = imageConfig(cf);
    const result = await writeOciLayout(options.output, [
      {
        refName: options.name,
        layers: layers.map(({ dir, createdBy }) => ({ dir, createdBy })),
        config,
        platform: { os: 'linux', architecture: process.arch === 'arm64' ? 'arm64' : 'amd64' },
      },
    ]);
    const image = result.images[0];
    if (image === undefined) throw new Error('writeOciLayout wrote no image');
    return {
      image,
      config,
      layers: layers.map(({ createdBy, files }) => ({ createdBy, files })),
    };
  } catch (err) {
    await rm(options.output, { recursive: true, force: true });
    if (isPodkitError(err)) throw err;
    throw invalid(`cannot build ${options.name}: ${(err as Error).message}`, undefined, err);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Whether the entrypoint is a bundled bin (`/app/packages/<p>/dist/bundle/<bin>.js`). */
const bundled = (script: string): boolean => /^\/app\/packages\/[^/]+\/dist\/bundle\//.test(script);

interface StagedLayer {
  dir: string;
  files: number;
  createdBy: string;
}

/** Layers 2 and 3 of an unbundled package: its production node_modules, then the workspace. */
async function stageUnbundled(
  context: string,
  packageRel: string,
  modules: string,
  app: string,
): Promise<StagedLayer[]> {
  const { thirdParty, workspace } = await dependencyClosure(
    context,
    path.join(context, packageRel),
  );
  return [
    {
      dir: modules,
      files: await stagePackages(context, modules, thirdParty),
      createdBy: `podkit build-node: ${thirdParty.length} production packages (node_modules)`,
    },
    {
      dir: app,
      files: await stageWorkspace(context, app, workspace),
      createdBy: `podkit build-node: ${workspace.map((w) => w.rel).join(', ')} (dist)`,
    },
  ];
}

/** The app layer of a bundled bin: the package's package.json and dist/bundle/ alone. */
async function stageBundle(context: string, root: string, packageRel: string): Promise<number> {
  const target = path.join(root, 'app', packageRel);
  await mkdir(path.join(target, 'dist'), { recursive: true });
  await copyFile(path.join(context, packageRel, 'package.json'), path.join(target, 'package.json'));
  await cp(path.join(context, packageRel, 'dist', 'bundle'), path.join(target, 'dist', 'bundle'), {
    recursive: true,
    verbatimSymlinks: true,
  });
  return countFiles(root);
}

async function prepareOutput(output: string): Promise<void> {
  try {
    const s = await stat(output);
    if (!s.isDirectory())
      throw invalid(`${output} exists and is not a directory`, 'pass a new directory with -o');
    if ((await readdir(output)).length > 0) {
      throw invalid(
        `${output} is not empty`,
        'pass a new or empty directory with -o (an OCI layout is written there)',
      );
    }
  } catch (err) {
    if (isPodkitError(err)) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function imageConfig(cf: ContainerfileConfig): ImageConfigInput {
  const env = cf.env.some((e) => e.startsWith('PATH=')) ? cf.env : [DEFAULT_PATH, ...cf.env];
  return {
    ...(cf.entrypoint === undefined ? {} : { entrypoint: cf.entrypoint }),
    ...(cf.cmd === undefined ? {} : { cmd: cf.cmd }),
    env,
    ...(cf.workingDir === undefined ? {} : { workingDir: cf.workingDir }),
    ...(cf.user === undefined ? {} : { user: cf.user }),
    ...(cf.stopSignal === undefined ? {} : { stopSignal: cf.stopSignal }),
    labels: cf.labels,
    exposedPorts: cf.exposedPorts,
  };
}

/**
 * Copies a host path into `root` at the same place, recreating every symlink on the way
 * (`/lib64/ld-linux-x86-64.so.2` on a merged-/usr host is two links and a file), so the
 * dynamic loader finds libraries where ldd said they are. A directory is copied whole.
 */
async function copyHostPath(hostPath: string, root: string, seen: Set<string>): Promise<void> {
  const absolute = path.resolve(hostPath);
  if (seen.has(absolute)) return;
  seen.add(absolute);
  const parts = absolute.split('/').filter((p) => p !== '');
  let current = '/';
  for (let i = 0; i < parts.length; i++) {
    current = path.join(current, parts[i] ?? '');
    const s = await lstat(current);
    const target = path.join(root, current);
    if (s.isSymbolicLink()) {
      const link = await readlink(current);
      if (!(await exists(target))) {
        await mkdir(path.dirname(target), { recursive: true });
        await symlink(link, target);
      }
      // Go on along the link's target (which is copied too, link by link).
      const through = path.resolve(path.dirname(current), link);
      await copyHostPath(path.join(through, ...parts.slice(i + 1)), root, seen);
      return;
    }
    if (s.isDirectory()) {
      if (i < parts.length - 1) continue;
      await cp(current, target, { recursive: true, verbatimSymlinks: true, errorOnExist: false });
      return;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(current, target);
    await chmod(target, s.mode & 0o7777);
  }
}

async function isElf(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    await handle.read(buf, 0, 4, 0);
    return buf.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    await handle.close();
  }
}

/** The shared libraries `file` loads, as ldd resolves them on this host. */
async function sharedLibraries(file: string, signal?: AbortSignal): Promise<string[]> {
  const r = await runCommand(['ldd', file], {
    allowFailure: true,
    signal,
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
  });
  if (r.code !== 0) return []; // static or not a dynamic executable
  const libs: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line.includes('not found')) {
      throw invalid(`${file} needs a library this host lacks: ${line.trim()}`);
    }
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)/.exec(line);
    if (m?.[1] !== undefined) libs.push(m[1]);
  }
  return libs;
}

async function elfFilesUnder(p: string): Promise<string[]> {
  const s = await stat(p);
  if (s.isFile()) return (await isElf(p)) ? [p] : [];
  if (!s.isDirectory()) return [];
  const out: string[] = [];
  for (const e of await readdir(p, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const f = path.join(e.parentPath, e.name);
    if (await isElf(f)) out.push(f);
  }
  return out;
}

async function countFiles(dir: string): Promise<number> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter(
    (e) => !e.isDirectory(),
  ).length;
}

/** Layer 1: node, its libraries, the includes and theirs, a minimal /etc, /tmp. */
async function stageRuntime(
  root: string,
  cf: ContainerfileConfig,
  options: BuildNodeImageOptions,
): Promise<{ files: number; libraries: number }> {
  await mkdir(root, { recursive: true });
  const seen = new Set<string>();
  const node = await realpath(options.nodeBinary ?? process.execPath);
  const nodeTarget = path.join(root, NODE_PATH_IN_IMAGE);
  await mkdir(path.dirname(nodeTarget), { recursive: true });
  await copyFile(node, nodeTarget);
  await chmod(nodeTarget, 0o755);
  const elves = [node];
  for (const include of options.include ?? []) {
    if (!path.isAbsolute(include))
      throw invalid(`--include ${include}: must be an absolute host path`);
    try {
      await copyHostPath(include, root, seen);
      elves.push(...(await elfFilesUnder(include)));
    } catch (err) {
      if (isPodkitError(err)) throw err;
      throw invalid(
        `--include ${include}: ${(err as Error).message}`,
        'pass a program or directory of this host',
        err,
      );
    }
  }
  const libraries = new Set<string>();
  for (const elf of elves) {
    for (const lib of await sharedLibraries(elf, options.signal)) libraries.add(lib);
  }
  for (const lib of libraries) await copyHostPath(lib, root, seen);
  // The numeric USER of the Containerfile gets a name: tools that look the user up (git,
  // ssh) work, and `ps`/logs show "nonroot" rather than a bare number.
  const [uid = '65532', gid = uid] = (cf.user ?? '65532').split(':');
  const etc = path.join(root, 'etc');
  await mkdir(etc, { recursive: true });
  await writeFile(
    path.join(etc, 'passwd'),
    `root:x:0:0:root:/root:/usr/sbin/nologin\nnonroot:x:${uid}:${gid}:nonroot:/tmp:/usr/sbin/nologin\n`,
  );
  await writeFile(path.join(etc, 'group'), `root:x:0:\nnonroot:x:${gid}:\n`);
  await writeFile(
    path.join(etc, 'nsswitch.conf'),
    'passwd: files\ngroup: files\nhosts: files dns\n',
  );
  const certs = '/etc/ssl/certs/ca-certificates.crt';
  if (await exists(certs)) {
    await mkdir(path.join(etc, 'ssl', 'certs'), { recursive: true });
    await copyFile(await realpath(certs), path.join(root, certs));
  }
  await mkdir(path.join(root, 'tmp'), { recursive: true });
  await chmod(path.join(root, 'tmp'), 0o1777);
  return { files: await countFiles(root), libraries: libraries.size };
}

interface WorkspacePackage {
  /** e.g. `packages/kit`. */
  rel: string;
  name: string;
}

/**
 * The packages `packageDir` needs at run time: third-party package directories (relative to
 * the context, as Node resolves them from where they are required) and workspace packages.
 */
async function dependencyClosure(
  context: string,
  packageDir: string,
): Promise<{ thirdParty: string[]; workspace: WorkspacePackage[] }> {
  const thirdParty = new Set<string>();
  const workspace = new Map<string, WorkspacePackage>();
  const visit = async (dir: string): Promise<void> => {
    const pkg = await readPackageJson(dir);
    const rel = path.relative(context, dir);
    if (!rel.includes('node_modules')) {
      if (workspace.has(rel)) return;
      workspace.set(rel, { rel, name: pkg.name ?? rel });
    } else {
      if (thirdParty.has(rel)) return;
      thirdParty.add(rel);
    }
    const optional = new Set(Object.keys(pkg.optionalDependencies ?? {}));
    const names = new Set([...Object.keys(pkg.dependencies ?? {}), ...optional]);
    for (const name of names) {
      const found = await resolvePackage(context, dir, name);
      if (found === undefined) {
        if (optional.has(name)) continue;
        throw invalid(
          `${name} (needed by ${rel}) is not installed under ${context}`,
          'run npm ci in the workspace first',
        );
      }
      await visit(found);
    }
  };
  await visit(packageDir);
  return { thirdParty: [...thirdParty].sort(), workspace: [...workspace.values()] };
}

/** Node's lookup: `<dir>/node_modules/<name>`, then each parent's, up to the context. */
async function resolvePackage(
  context: string,
  from: string,
  name: string,
): Promise<string | undefined> {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (await exists(path.join(candidate, 'package.json'))) {
      // A workspace package is a symlink into packages/: follow it there.
      const real = await realpath(candidate);
      return path.relative(context, real).startsWith('..') ? candidate : real;
    }
    if (dir === context || dir === path.dirname(dir)) return undefined;
    dir = path.dirname(dir);
  }
}

/** Layer 2: each third-party package directory (without its nested node_modules). */
async function stagePackages(
  context: string,
  root: string,
  packages: readonly string[],
): Promise<number> {
  await mkdir(root, { recursive: true });
  for (const rel of packages) {
    const from = path.join(context, rel);
    const nested = path.join(from, 'node_modules');
    await cp(from, path.join(root, 'app', rel), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => src !== nested && !src.startsWith(`${nested}/`),
    });
  }
  return countFiles(root);
}

/** Layer 3: package.json + dist/ of each workspace package, and node_modules links to them. */
async function stageWorkspace(
  context: string,
  root: string,
  packages: readonly WorkspacePackage[],
): Promise<number> {
  for (const p of packages) {
    const target = path.join(root, 'app', p.rel);
    await mkdir(target, { recursive: true });
    await copyFile(path.join(context, p.rel, 'package.json'), path.join(target, 'package.json'));
    const dist = path.join(context, p.rel, 'dist');
    if (!(await exists(dist))) {
      throw invalid(
        `${p.rel}/dist does not exist`,
        `build it first: npx tsc -b ${p.rel}/tsconfig.build.json`,
      );
    }
    await cp(dist, path.join(target, 'dist'), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => !/\.tsbuildinfo$/.test(src),
    });
    const link = path.join(root, 'app', 'node_modules', p.name);
    await mkdir(path.dirname(link), { recursive: true });
    await symlink(path.relative(path.dirname(link), target), link);
  }
  return countFiles(root);
}
