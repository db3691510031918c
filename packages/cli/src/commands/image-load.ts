import type { Command } from 'commander';
import { familiarImageName } from '@podkit/runtime';
import { layoutFor, requireStateAccess } from '../context.js';
import type { CliIo } from '../io.js';
import { colorsFor } from '../render.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `1.5 MB` as podman prints sizes (decimal units). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? String(v) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i] ?? 'B'}`;
}

/**
 * `podkit image load FILE|DIR` and `podkit image prune`: images made elsewhere (`docker save`,
 * `skopeo copy … oci:DIR`, podkit's own layout writer) enter the content store, every blob
 * verified; prune frees blobs and unpacked layers no image refers to.
 */
export function registerImageLoad(image: Command, io: CliIo): void {
  image
    .command('load')
    .description(
      'load images from an OCI image layout (directory or tar) or a `docker save` archive',
    )
    .argument('<path>', 'the layout directory or archive (.tar, .tar.gz)')
    .option(
      '--name <name>',
      'name the loaded image (an archive of one image; needed when it carries no name)',
      collect,
      [],
    )
    .action(async (source: string, options: { name: string[] }, command: Command) => {
      const layout = layoutFor(command, io);
      await requireStateAccess(layout);
      const { loadImageArchive } = await import('@podkit/runtime/images');
      const loaded = await loadImageArchive(layout.root, source, {
        names: options.name,
      });
      const c = colorsFor(io);
      for (const img of loaded) {
        for (const n of img.names) {
          io.stdout.write(`image/${familiarImageName(n)} ${c.green('loaded')} (${img.digest})\n`);
        }
      }
    });

  image
    .command('prune')
    .description('remove blobs and unpacked layers that no image refers to')
    .action(async (_options: unknown, command: Command) => {
      const layout = layoutFor(command, io);
      await requireStateAccess(layout);
      const { pruneImageStore } = await import('@podkit/runtime/images');
      const r = await pruneImageStore(layout.root);
      io.stdout.write(
        `removed ${String(r.blobs.length)} blob${r.blobs.length === 1 ? '' : 's'} and ${String(r.layers.length)} layer${r.layers.length === 1 ? '' : 's'}, ${humanSize(r.bytes)} of blobs freed\n`,
      );
    });
}
