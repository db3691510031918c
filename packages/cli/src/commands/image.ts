import { Option, type Command } from 'commander';
import { PodkitError } from '@podkit/kit';
import {
  addImage,
  familiarImageName,
  listImages,
  removeImage,
  type ImageConfig,
  type ImageRecord,
  type ImageSource,
} from '@podkit/runtime';
import { layoutFor, requireStateAccess } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';
import { colorsFor } from '../render.js';
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

/** The `podkit image ls` row of an image. */
function imageRow(image: ImageRecord): string[] {
  const argv = (a: string[] | undefined): string => (a === undefined ? '' : JSON.stringify(a));
  return [
    familiarImageName(image.name),
    image.kind === 'rootfs' ? `rootfs:${image.rootfs}` : image.kind,
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
  const image = program.command('image').description('manage local images (host and rootfs)');

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
      io.stdout.write(renderTable(['NAME', 'KIND', 'ENTRYPOINT', 'CMD'], images.map(imageRow)));
    });

  image
    .command('rm')
    .description('remove local images (never the files they point at)')
    .argument('<names...>', 'image names')
    .action(async (names: string[], _options: unknown, command: Command) => {
      const layout = layoutFor(command, io);
      await requireStateAccess(layout);
      const missing: string[] = [];
      for (const n of names) {
        if (await removeImage(layout.root, n)) io.stdout.write(`image/${n} removed\n`);
        else missing.push(n);
      }
      if (missing.length > 0) {
        throw new PodkitError(
          'IMAGE_NOT_FOUND',
          `no local image named ${missing.map((m) => `"${m}"`).join(', ')}`,
          { hint: 'see `podkit image ls`' },
        );
      }
    });
}
