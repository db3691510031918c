import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * What a README test puts in place of the fixed values a README names (host ports, the demo's
 * directories, the pod bridge's gateway, the example's own folder), so its steps run beside
 * other tests: `[from, to]` pairs, applied as whole tokens — a number is not replaced inside
 * a longer one (`6380` stays in `26380`), and a path only where it starts (`examples/x/` is
 * replaced in `-f examples/x/pod.yaml`, not in `$PWD/examples/x/app.js`, which the container
 * runs from the checkout).
 */
export type Substitutions = readonly (readonly [from: string, to: string])[];

function tokenPattern(from: string): RegExp {
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const before = /^\d/.test(from) ? '(?<![\\w.])' : '(?<![\\w./])';
  const after = /\w$/.test(from) ? '(?![\\w])' : '';
  return new RegExp(`${before}${escaped}${after}`, 'g');
}

/** `text` with every substitution applied; `used` collects the `from`s that matched. */
export function substitute(text: string, subs: Substitutions, used?: Set<string>): string {
  let out = text;
  for (const [from, to] of subs) {
    const pattern = tokenPattern(from);
    if (pattern.test(out)) used?.add(from);
    out = out.replace(pattern, () => to);
  }
  return out;
}

/**
 * Copies an example folder to `dest` with the substitutions applied to every file (their
 * modes kept: scripts stay executable), for the README's `examples/<name>/` to point at.
 */
export async function copyExample(
  src: string,
  dest: string,
  subs: Substitutions,
  used?: Set<string>,
): Promise<void> {
  await cp(src, dest, { recursive: true });
  for (const entry of await readdir(dest, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = await readFile(file, 'utf8');
    const replaced = substitute(text, subs, used);
    if (replaced !== text) await writeFile(file, replaced);
  }
}
