import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { credentialsDir } from './pki.js';

/** Where the port the API last served on is kept (beside its credentials). */
function portFile(root: string): string {
  return path.join(credentialsDir(root), 'port');
}

/**
 * The port the state root's API served on last time, when it was not asked for one: the next
 * start tries it first, so that a kubeconfig merged earlier keeps pointing at the API when the
 * default port was taken. undefined when there is none (or it is not a port).
 */
export async function rememberedPort(root: string): Promise<number | undefined> {
  const text = await readFile(portFile(root), 'utf8').catch(() => undefined);
  const port = Number(text?.trim());
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/** Keeps `port` for the next start (0600, as the credentials beside it). */
export async function rememberPort(root: string, port: number): Promise<void> {
  await writeFile(portFile(root), `${String(port)}\n`, { mode: 0o600 });
}
