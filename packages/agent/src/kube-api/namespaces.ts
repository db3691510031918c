/**
 * Namespaces made through the API (`kubectl create namespace`, a `kind: Namespace` applied):
 * podkit needs none to run anything (a namespace is any name in use), but a namespace created
 * is listed from then on, across agent restarts (`<root>/kube-api/namespaces.json`, 0600). A
 * delete removes an empty one; one that still holds objects is refused (podkit does not cascade
 * a namespace's deletion), as are the built-in ones.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkDns1123Label } from '@podkit/runtime/spec';
import { refuse } from './status.js';

/** A namespace as kept: when it was created, and its labels and annotations. */
export interface KeptNamespace {
  at: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export class CreatedNamespaces {
  readonly #file: string | undefined;
  readonly #created = new Map<string, KeptNamespace>();

  private constructor(file: string | undefined) {
    this.#file = file;
  }

  /** The namespaces created earlier (none when `file` is undefined: kept in memory only). */
  static async load(file: string | undefined): Promise<CreatedNamespaces> {
    const n = new CreatedNamespaces(file);
    if (file === undefined) return n;
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return n;
    const value = JSON.parse(text) as unknown;
    const strings = (v: unknown): Record<string, string> =>
      Object.fromEntries(
        Object.entries(typeof v === 'object' && v !== null ? v : {}).filter(
          (e): e is [string, string] => typeof e[1] === 'string',
        ),
      );
    if (typeof value === 'object' && value !== null)
      for (const [name, kept] of Object.entries(value as Record<string, unknown>)) {
        const k = (typeof kept === 'object' && kept !== null ? kept : {}) as Record<
          string,
          unknown
        >;
        if (typeof k.at === 'string' && checkDns1123Label(name) === undefined)
          n.#created.set(name, {
            at: k.at,
            labels: strings(k.labels),
            annotations: strings(k.annotations),
          });
      }
    return n;
  }

  /** Name → when it was created, labels, annotations. */
  entries(): ReadonlyMap<string, KeptNamespace> {
    return this.#created;
  }

  /** Creates the namespace, or replaces what is kept of it (its labels and annotations). */
  async put(name: string, kept: KeptNamespace): Promise<void> {
    const problem = checkDns1123Label(name);
    if (problem !== undefined)
      refuse(
        'Invalid',
        `Namespace "${name}" is invalid: metadata.name: Invalid value: "${name}": ${problem}`,
        {
          name,
          kind: 'Namespace',
          causes: [
            {
              reason: 'FieldValueInvalid',
              field: 'metadata.name',
              message: `Invalid value: "${name}": ${problem}`,
            },
          ],
        },
      );
    this.#created.set(name, kept);
    await this.#save();
  }

  async remove(name: string): Promise<void> {
    if (this.#created.delete(name)) await this.#save();
  }

  async #save(): Promise<void> {
    if (this.#file === undefined) return;
    await mkdir(path.dirname(this.#file), { recursive: true, mode: 0o700 });
    const tmp = `${this.#file}.tmp`;
    await writeFile(tmp, JSON.stringify(Object.fromEntries(this.#created)), { mode: 0o600 });
    await rename(tmp, this.#file);
  }
}
