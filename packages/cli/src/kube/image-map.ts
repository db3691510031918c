import { readFile } from 'node:fs/promises';
import { isPodkitError } from '@podkit/kit';
import { familiarImageName, normaliseImageName } from '@podkit/runtime';
import { childPath, parseYamlDocuments } from '@podkit/runtime/spec';
import { UsageError } from '../errors.js';

/** podkit's own pattern containers, as their images are published (docs/kubernetes.md). */
export const PATTERN_IMAGES = ['git-sync', 'redis-ambassador', 'metrics-adapter', 'log-adapter'];

/** The registry and version the pattern images are published under. */
export const PATTERN_REGISTRY = 'ghcr.io/podkit';
export const PATTERN_VERSION = '0.1.0';

/**
 * Image names as a cluster must see them, keyed by normalised local name (`nginx` and
 * `docker.io/library/nginx:latest` are one key). Built from the default mapping, then an
 * `--image-map` file, then `--image OLD=NEW` flags (later wins).
 */
export class ImageMap {
  private readonly entries = new Map<string, { to: string; source: string }>();

  set(from: string, to: string, source: string): void {
    this.entries.set(normaliseImageName(from), { to, source });
  }

  /** The registry name for a manifest's image, or undefined when it stays as written. */
  lookup(image: string): { to: string; source: string } | undefined {
    let key: string;
    try {
      key = normaliseImageName(image);
    } catch {
      return undefined; // the spec model reports bad names; nothing to map
    }
    const hit = this.entries.get(key);
    if (hit === undefined || normaliseImageName(hit.to) === key) return undefined;
    return hit;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The default mapping: local spellings of podkit's pattern images (`podkit/git-sync`,
 * `podkit-git-sync`, `ghcr.io/podkit/git-sync` without a tag, each also `:latest`) → the
 * published, pinned `ghcr.io/podkit/git-sync:0.1.0`. A cluster should never pull `:latest`
 * (nodes would run different builds); the examples already use the pinned names.
 */
export function defaultImageMap(): ImageMap {
  const map = new ImageMap();
  for (const name of PATTERN_IMAGES) {
    const published = `${PATTERN_REGISTRY}/${name}:${PATTERN_VERSION}`;
    for (const local of [`podkit/${name}`, `podkit-${name}`, `${PATTERN_REGISTRY}/${name}`]) {
      map.set(local, published, 'default image map');
    }
  }
  return map;
}

function checkName(name: string, where: string): void {
  try {
    normaliseImageName(name);
  } catch (err) {
    if (!isPodkitError(err)) throw err;
    throw new UsageError(`${where}: ${err.message}`, {
      hint: 'image names as a manifest spells them, e.g. nginx:1.22 or ghcr.io/me/app:1.0',
      cause: err,
    });
  }
}

/** `--image OLD=NEW` → the pair; anything else is a usage error. */
export function parseImageFlag(text: string): [string, string] {
  const eq = text.indexOf('=');
  const from = text.slice(0, eq).trim();
  const to = text.slice(eq + 1).trim();
  if (eq <= 0 || from === '' || to === '') {
    throw new UsageError(`--image: expected OLD=NEW, got "${text}"`, {
      hint: '--image podkit/git-sync=registry.example.com/git-sync:0.1.0',
    });
  }
  checkName(from, `--image ${text}`);
  checkName(to, `--image ${text}`);
  return [from, to];
}

/**
 * Reads an `--image-map` file: a YAML or JSON mapping of local image name → registry name.
 *
 * @example
 *   # images.yaml
 *   nginx:1.22: registry.example.com/web/nginx:1.22
 *   podkit/git-sync: registry.example.com/podkit/git-sync:0.1.0
 */
export async function readImageMapFile(file: string, into: ImageMap): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--image-map: cannot read ${file}: ${(err as Error).message}`, {
      hint: 'pass a YAML or JSON file mapping local image names to registry names',
      cause: err,
    });
  }
  const parsed = parseYamlDocuments(text, file);
  const [first] = parsed.diagnostics;
  if (first !== undefined) {
    throw new UsageError(`${file}:${first.line}:${first.column} ${first.message}`, {
      hint: 'the image map is one YAML mapping: OLD: NEW per line',
    });
  }
  const doc = parsed.documents[0];
  const value = doc?.value;
  if (
    doc === undefined ||
    parsed.documents.length > 1 ||
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value)
  ) {
    throw new UsageError(`${file}: expected one mapping of image names (OLD: NEW)`, {
      hint: 'e.g. `nginx:1.22: registry.example.com/web/nginx:1.22`',
    });
  }
  for (const [from, to] of Object.entries(value)) {
    const { line, column } = doc.positions.locate(childPath('', from), 'key');
    const where = `${file}:${line}:${column}`;
    if (typeof to !== 'string') {
      throw new UsageError(`${where} ${from}: expected an image name, got ${JSON.stringify(to)}`);
    }
    checkName(from, where);
    checkName(to, where);
    into.set(from, to, file);
  }
}

/** `docker.io/library/nginx:1.22` → `nginx:1.22`, for messages. */
export function shortName(image: string): string {
  try {
    return familiarImageName(normaliseImageName(image));
  } catch {
    return image;
  }
}

/** The normalised name, or the text itself when it is no valid image name. */
export function normalisedOrSelf(image: string): string {
  try {
    return normaliseImageName(image);
  } catch {
    return image;
  }
}

/** Whether `image` is one of podkit's pattern images as published (the pinned names). */
export function isPublishedPatternImage(image: string): boolean {
  const key = normalisedOrSelf(image);
  return PATTERN_IMAGES.some(
    (name) => key === normaliseImageName(`${PATTERN_REGISTRY}/${name}:${PATTERN_VERSION}`),
  );
}
