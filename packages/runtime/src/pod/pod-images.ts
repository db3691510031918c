import { PodkitError } from '@podkit/kit';
import { familiarImageName, normaliseImageName } from '../images/image-name.js';
import { assertImageUsable, getImage, type ImageRecord } from '../images/image-store.js';
import type { PullEvent } from '../images/registry/pull-image.js';
import type { RetryPolicy } from '../images/registry/registry-client.js';
import {
  loadRegistrySettings,
  type RegistrySettings,
} from '../images/registry/registry-settings.js';
import type { Container, PullPolicy } from '../spec/types.js';

/**
 * The registry client (with tar-stream, zstd and the OCI unpacker: ~25 modules), loaded on the
 * first pull: the pod worker imports this file, its start-up is on every pod start's critical
 * path, and most starts pull nothing.
 */
export async function loadPullImage(): Promise<
  typeof import('../images/registry/pull-image.js').pullImage
> {
  return (await import('../images/registry/pull-image.js')).pullImage;
}

/** How pods reach registries: the state root's registries.json plus these additions. */
export interface PodPullOptions {
  registry?: Partial<RegistrySettings> | undefined;
  onEvent?: ((image: string, e: PullEvent) => void) | undefined;
  retry?: RetryPolicy | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Whether a start of a container with `policy` pulls, given the local record, as kubelet
 * decides: Always pulls, IfNotPresent pulls when absent, Never never. Images defined on this
 * machine (`podkit image add --host|--rootfs`) exist only here — like podman's `localhost/`
 * images — and are never pulled.
 */
export function shouldPull(policy: PullPolicy, local: ImageRecord | undefined): boolean {
  if (local !== undefined && local.kind !== 'oci') return false;
  if (policy === 'Always') return true;
  return policy === 'IfNotPresent' && local === undefined;
}

/** The message of a failed pull, with its hint, on one line (for admission and status). */
export function pullFailureMessage(image: string, err: unknown): string {
  const e = err as Error;
  const hint = err instanceof PodkitError && err.hint !== undefined ? ` (${err.hint})` : '';
  return `Failed to pull image "${image}": ${e.message}${hint}`;
}

/**
 * Admission's image step: every container's image resolved by its imagePullPolicy, pulling
 * what must be pulled (each distinct image once, concurrently) before anything is created.
 * Returns the records by container name and one problem per container whose image cannot be
 * had (ErrImageNeverPull, ErrImagePull), so admission can fail naming all of them.
 */
export async function resolvePodImages(
  stateRoot: string,
  containers: readonly Container[],
  options: PodPullOptions = {},
): Promise<{ images: Map<string, ImageRecord>; problems: string[] }> {
  const byName = new Map<string, { policy: PullPolicy; containers: Container[] }>();
  const problems: string[] = [];
  for (const c of containers) {
    let name: string;
    try {
      name = normaliseImageName(c.image);
    } catch (err) {
      problems.push(`container "${c.name}": ${(err as Error).message}`);
      continue;
    }
    const entry = byName.get(name) ?? { policy: c.imagePullPolicy, containers: [] };
    // The strongest policy wins for an image shared by containers: Always > IfNotPresent > Never.
    const rank = { Never: 0, IfNotPresent: 1, Always: 2 } as const;
    if (rank[c.imagePullPolicy] > rank[entry.policy]) entry.policy = c.imagePullPolicy;
    entry.containers.push(c);
    byName.set(name, entry);
  }
  let settings: Promise<RegistrySettings> | undefined;
  const images = new Map<string, ImageRecord>();
  const outcomes = await Promise.all(
    [...byName].map(async ([name, { policy, containers: users }]) => {
      const image = users[0]?.image ?? name;
      const local = await getImage(stateRoot, name);
      let record = local;
      let problem: string | undefined;
      if (shouldPull(policy, local)) {
        try {
          settings ??= loadRegistrySettings(stateRoot, options.registry);
          const pullImage = await loadPullImage();
          const r = await pullImage(stateRoot, name, {
            settings: await settings,
            signal: options.signal,
            retry: options.retry,
            onEvent: options.onEvent === undefined ? undefined : (e) => options.onEvent?.(image, e),
          });
          record = r.records.find((x) => x.name === name) ?? (await getImage(stateRoot, name));
        } catch (err) {
          record = undefined;
          problem =
            local === undefined
              ? `image "${image}" is not in the local image store and could not be pulled (ErrImagePull): ${pullFailureMessage(image, err)}; load it (\`podkit image load\`), pull it (\`podkit image pull ${familiarImageName(name)}\`) or define it (\`podkit image add ${familiarImageName(name)} --host …\` or \`--rootfs DIR\`)`
              : `image "${image}" could not be pulled (ErrImagePull, imagePullPolicy ${policy}): ${pullFailureMessage(image, err)}`;
        }
      } else if (local !== undefined) {
        // A local image whose files are gone (a removed --rootfs directory) cannot start.
        try {
          await assertImageUsable(local);
        } catch (err) {
          record = undefined;
          const hint = err instanceof PodkitError && err.hint !== undefined ? ` (${err.hint})` : '';
          problem = `${(err as Error).message}${hint}`;
        }
      } else {
        problem = `image "${image}" is not present with imagePullPolicy Never (ErrImageNeverPull): load or pull it first (\`podkit image pull ${familiarImageName(name)}\`), or define it (\`podkit image add ${familiarImageName(name)} --host …\` or \`--rootfs DIR\`)`;
      }
      return { users, record, problem };
    }),
  );
  // In manifest order, whatever order the pulls finished in; an image's problem once, naming
  // every container that uses it (not once per container).
  for (const { users, record, problem } of outcomes) {
    if (record !== undefined) for (const c of users) images.set(c.name, record);
    else if (problem !== undefined)
      problems.push(
        `${users.length === 1 ? 'container' : 'containers'} ${users.map((c) => `"${c.name}"`).join(', ')}: ${problem}`,
      );
  }
  return { images, problems };
}
