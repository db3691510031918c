/** The pattern containers as their images ship them: the bundled bin and the image's NODE_OPTIONS. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** `containers/<container>/Containerfile`'s `ENV NODE_OPTIONS="…"` ('' when it sets none). */
export async function imageNodeOptions(container: string): Promise<string> {
  const cf = await readFile(join(REPO, 'containers', container, 'Containerfile'), 'utf8');
  return /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(cf)?.[1] ?? '';
}

/** The bundled bin of `container` (`podkit-<container>`) in package `pkg` (npm run build first). */
export function bundledBin(container: string, pkg: string): string {
  return join(REPO, 'packages', pkg, 'dist', 'bundle', `podkit-${container}.js`);
}
