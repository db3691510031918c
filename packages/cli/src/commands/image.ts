import { Option, type Command } from 'commander';
import { PodkitError } from '@podkit/kit';
import {
  addImage,
  familiarImageName,
  getImage,
  imageUsage,
  listImages,
  removeImage,
  type ImageConfig,
  type ImageRecord,
  type ImageSource,
  RuntimeErrorCode,
} from '@podkit/runtime';
import { layoutFor, requireStateAccess } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';
import { colorsFor } from '../render.js';
import { registerImagePull } from './image-pull.js';
import { humanSize, registerImageLoad } from './image-load.js';
import { renderTable } from '../table.js';

interface AddOptions {
  host?: boolean | undefined;
  rootfs?: string | undefined;
  entrypoint?: string | undefined;
  cmd?: string | undefined;
  env: string[];
  workdir?: string | undefined;
  user?: string | undefined;
  stopSignal?: string | undefined;
  keep: string[];
}

/** `--entrypoint '["nginx","-g","daemon off;"]'` → the array; anything else is a usage error. */
export function parseJsonArgv(flag: string, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const hint = `e.g. ${flag} '["nginx","-g","daemon off;"]'`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag}: not valid JSON (${(err as Error).message}): ${text}`, {
      hint,
      cause: err,
    });
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new UsageError(`${flag}: expected a JSON array of strings, got ${text}`, { hint });
  }
  return value;
}

function parseEnv(entries: readonly string[]): string[] {
  for (const e of entries) {
    if (e.indexOf('=') <= 0) {
      throw new UsageError(`--env: expected KEY=VALUE, got "${e}"`, { hint: '--env PORT=8080' });
    }
  }
  return [...entries];
}

function parseStopSignal(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const name = text.toUpperCase().startsWith('SIG')
    ? text.toUpperCase()
    : `SIG${text.toUpperCase()}`;
  if (!/^SIG[A-Z0-9]+$/.test(name) || name === 'SIG') {
    throw new UsageError(`--stop-signal: expected a signal name like SIGQUIT, got "${text}"`);
  }
  return name;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `3 minutes ago`, as podman shows an image's age. */
function age(iso: string | undefined, now = Date.now()): string {
  const t = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(t)) return '-';
  const s = Math.max(0, Math.round((now - t) / 1000));
  const [n, unit] =
    s < 60
      ? [s, 'second']
      : s < 3600
        ? [Math.floor(s / 60), 'minute']
        : s < 86400
          ? [Math.floor(s / 3600), 'hour']
          : s < 86400 * 365
            ? [Math.floor(s / 86400), 'day']
            : [Math.floor(s / (86400 * 365)), 'year'];
  return `${String(n)} ${unit}${n === 1 ? '' : 's'} ago`;
}

/** The `podkit image ls` row of an image: NAME KIND ID SIZE CREATED ENTRYPOINT CMD. */
function imageRow(image: ImageRecord): string[] {
  const argv = (a: string[] | undefined): string => (a === undefined ? '' : JSON.stringify(a));
  const oci = image.kind === 'oci' ? image : undefined;
  return [
    familiarImageName(image.name),
    image.kind === 'rootfs' ? `rootfs:${image.rootfs}` : image.kind,
    // The image ID is the config digest, shortened as docker and podman show it.
    oci?.configDigest?.slice('sha256:'.length, 'sha256:'.length + 12) ?? '-',
    oci?.size === undefined ? '-' : humanSize(oci.size),
    age(oci?.created ?? image.createdAt),
    argv(image.config.entrypoint),
    argv(image.config.cmd),
  ];
}

/**
 * `podkit image add|ls|rm`: the local image store. A `--host` image is a read-only view of
 * this machine's filesystem (Debian's nginx, redis, git, node run from it); a `--rootfs` image
 * is a directory holding a root filesystem. The image config says what runs by default, as an
 * OCI image config does; manifests name the image as usual (`image: nginx`).
 */
export function registerImage(program: Command, io: CliIo, _state: CommandState): void {
  const image = program.command('image').description('manage local images (host, rootfs, OCI)');
  registerImagePull(image, io);
  registerImageLoad(image, io);

  image
    .command('add')
    .description('define a local image from the host filesystem or a root filesystem directory')
    .argument('<name>', 'image name as manifests spell it, e.g. nginx or my/app:1.0')
    .option('--host', "the host's filesystem, read-only, as the image's root")
    .option('--rootfs <dir>', 'a directory holding the root filesystem')
    .option('--entrypoint <json>', 'ENTRYPOINT as a JSON array of strings')
    .option('--cmd <json>', 'CMD as a JSON array of strings')
    .option('--env <key=value>', 'an environment variable (repeatable)', collect, [])
    .option('--workdir <dir>', 'working directory (absolute)')
    .option('--user <user>', 'user[:group] to run as (name or id)')
    .option('--stop-signal <signal>', 'signal that stops the container (default SIGTERM)')
    .option(
      '--keep <dir>',
      'with --host: a host directory the program needs that a host image would hide (/tmp, /root, /home…), kept visible read-only (repeatable)',
      collect,
      [],
    )
    .action(async (name: string, options: AddOptions, command: Command) => {
      if ((options.host === true) === (options.rootfs !== undefined)) {
        throw new UsageError('pass exactly one of --host or --rootfs DIR', {
          hint: `podkit image add ${name} --host --entrypoint '["cmd","arg"]'`,
        });
      }
      if (options.workdir !== undefined && !options.workdir.startsWith('/')) {
        throw new UsageError(`--workdir: must be an absolute path, got "${options.workdir}"`);
      }
      if (options.keep.length > 0 && options.host !== true) {
        throw new UsageError('--keep applies to --host images only');
      }
      const entrypoint = parseJsonArgv('--entrypoint', options.entrypoint);
      const cmd = parseJsonArgv('--cmd', options.cmd);
      const stopSignal = parseStopSignal(options.stopSignal);
      // Only what was given: an absent key keeps the record's JSON minimal.
      const config: ImageConfig = {
        ...(entrypoint === undefined ? {} : { entrypoint }),
        ...(cmd === undefined ? {} : { cmd }),
        ...(options.env.length === 0 ? {} : { env: parseEnv(options.env) }),
        ...(options.workdir === undefined ? {} : { workingDir: options.workdir }),
        ...(options.user === undefined ? {} : { user: options.user }),
        ...(stopSignal === undefined ? {} : { stopSignal }),
      };
      const source: ImageSource =
        options.rootfs !== undefined
          ? { kind: 'rootfs', rootfs: options.rootfs }
          : { kind: 'host', ...(options.keep.length === 0 ? {} : { keep: options.keep }) };
      const layout = layoutFor(command, io);
      await requireStateAccess(layout);
      const record = await addImage(layout.root, { name, source, config });
      const c = colorsFor(io);
      io.stdout.write(
        `image/${familiarImageName(record.name)} ${c.green('added')} (${record.kind === 'rootfs' ? `rootfs ${record.rootfs}` : 'host'})\n`,
      );
    });

  image
    .command('ls')
    .description('list local images')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .action(async (options: { output: 'text' | 'json' }, command: Command) => {
      const layout = layoutFor(command, io);
      await requireStateAccess(layout);
      const images = await listImages(layout.root);
      if (options.output === 'json') {
        io.stdout.write(`${JSON.stringify({ images }, null, 2)}\n`);
        return;
      }
      if (images.length === 0) {
        io.stderr.write('No images (podkit image add NAME --host|--rootfs DIR defines one).\n');
        return;
      }
      io.stdout.write(
        renderTable(
          ['NAME', 'KIND', 'ID', 'SIZE', 'CREATED', 'ENTRYPOINT', 'CMD'],
          images.map((i) => imageRow(i)),
        ),
      );
    });

  image
    .command('rm')
    .description(
      'remove local images (never the files they point at); `image prune` frees their layers',
    )
    .argument('<names...>', 'image names')
    .option('-f, --force', 'remove an image even if a pod uses it (the pod keeps running)')
    .action(async (names: string[], options: { force?: boolean }, command: Command) => {
      const layout = layoutFor(command, io);
      await requireStateAccess(layout);
      const usage = options.force === true ? undefined : await imageUsage(layout);
      // Every name is checked before any is removed: a refusal leaves all of them in place.
      const missing: string[] = [];
      const found: [string, ImageRecord][] = [];
      for (const n of names) {
        const record = await getImage(layout.root, n);
        if (record === undefined) {
          missing.push(n);
          continue;
        }
        const users = usage?.get(record.name) ?? [];
        if (users.length > 0) {
          throw new PodkitError(
            RuntimeErrorCode.IMAGE_IN_USE,
            `image "${n}" is used by pod${users.length === 1 ? '' : 's'} ${users.join(', ')}`,
            { hint: 'stop the pod first (podkit down …) or pass --force' },
          );
        }
        found.push([n, record]);
      }
      for (const [n, record] of found) {
        if (await removeImage(layout.root, record.name)) io.stdout.write(`image/${n} removed\n`);
        else missing.push(n);
      }
      if (missing.length > 0) {
        throw new PodkitError(
          RuntimeErrorCode.IMAGE_NOT_FOUND,
          `no local image named ${missing.map((m) => `"${m}"`).join(', ')}`,
          { hint: 'see `podkit image ls`' },
        );
      }
    });
}
