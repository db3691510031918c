import type { Command } from 'commander';
import { familiarImageName } from '@podkit/runtime';
import { layoutFor, requireStateAccess } from '../context.js';
import type { CliIo } from '../io.js';
import { PullProgress } from '../pull-progress.js';
import { colorsFor } from '../render.js';

interface PullOptions {
  authfile?: string | undefined;
  caFile: string[];
  insecureRegistry: string[];
  quiet?: boolean | undefined;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * `podkit image pull REF`: pulls an image from a registry (OCI distribution API) into the
 * local store, as `podman pull` does. Registry settings come from `<state root>/registries.json`
 * plus the flags; progress goes to stderr (bars on a terminal, lines otherwise); stdout gets the
 * image name and digest.
 */
export function registerImagePull(image: Command, io: CliIo): void {
  image
    .command('pull')
    .description('pull an image from a registry (HTTPS; plain HTTP only with --insecure-registry)')
    .argument('<ref>', 'image reference, e.g. registry.example:5000/team/app:1.0 or …@sha256:…')
    .option(
      '--authfile <file>',
      'docker-style auth file (default: $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json)',
    )
    .option(
      '--ca-file <file>',
      "a PEM CA certificate to trust besides the system's (repeatable; also /etc/containers/certs.d/HOST:PORT/*.crt)",
      collect,
      [],
    )
    .option(
      '--insecure-registry <host:port>',
      'a registry reached over plain HTTP (repeatable; also "insecureRegistries" in <root>/registries.json)',
      collect,
      [],
    )
    .option('-q, --quiet', 'no progress output')
    .action(async (ref: string, options: PullOptions, command: Command) => {
      const layout = layoutFor(command, io);
      await requireStateAccess(layout);
      const { loadRegistrySettings, pullImage } = await import('@podkit/runtime/images');
      const settings = await loadRegistrySettings(layout.root, {
        insecureRegistries: options.insecureRegistry,
        caFiles: options.caFile,
        ...(options.authfile === undefined ? {} : { authFile: options.authfile }),
      });
      const stderrTty = (io.stderr as { isTTY?: boolean }).isTTY === true;
      const progress = new PullProgress((text) => io.stderr.write(text), stderrTty);
      const ac = new AbortController();
      const source = io.signals ?? process;
      const onSignal = (): void => {
        ac.abort(new Error('interrupted'));
      };
      source.on('SIGINT', onSignal);
      source.on('SIGTERM', onSignal);
      try {
        const result = await pullImage(layout.root, ref, {
          settings,
          signal: ac.signal,
          env: { ...io.env },
          ...(options.quiet === true ? {} : { onEvent: progress.onEvent }),
        });
        const c = colorsFor(io);
        io.stdout.write(
          `image/${familiarImageName(result.name)} ${c.green('pulled')} (${result.manifestDigest})\n`,
        );
      } finally {
        progress.close();
        source.off('SIGINT', onSignal);
        source.off('SIGTERM', onSignal);
      }
    });
}
