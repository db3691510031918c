/**
 * Kubernetes' `$(VAR)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion):
 * `$(NAME)` becomes NAME's value when known and stays literal otherwise; `$$` is an escaped
 * `$`, so `$$(NAME)` yields the literal text `$(NAME)`; any other `$x` is kept as is.
 *
 * @example
 *   expandVariables('$(A)-$$(A)-$(B)', (n) => (n === 'A' ? '1' : undefined)); // '1-$(A)-$(B)'
 */
export function expandVariables(
  input: string,
  lookup: (name: string) => string | undefined,
): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') {
      out += '$';
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close < 0) {
        // An unterminated reference is copied through unchanged.
        out += '$(';
      } else {
        const name = rest.slice(1, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close + 1;
      }
    } else {
      out += `$${rest[0] ?? ''}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

export interface EnvEntry {
  name: string;
  value: string;
}

/** The same as EnvEntry (the package index exports only EnvEntry: spec/ has an EnvVar). */
export type EnvVar = EnvEntry;

/**
 * Expands a container's env list in order, as kubelet does: each value may refer to entries
 * defined before it (and to `context`, e.g. service variables); a later duplicate name wins.
 * Returns the final values in first-definition order.
 */
export function expandEnv(
  env: readonly EnvEntry[],
  context: Readonly<Record<string, string>> = {},
): EnvEntry[] {
  const values = new Map<string, string>();
  for (const { name, value } of env) {
    const expanded = expandVariables(value, (ref) => values.get(ref) ?? context[ref]);
    values.set(name, expanded);
  }
  return [...values].map(([name, value]) => ({ name, value }));
}

/**
 * The container's final environment as `K=V` strings: the image's env first, then the
 * container's entries replacing same-named image ones (containerd's merge).
 */
export function mergeEnv(imageEnv: readonly string[], containerEnv: readonly EnvEntry[]): string[] {
  const merged = new Map<string, string>();
  for (const entry of imageEnv) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    merged.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const { name, value } of containerEnv) merged.set(name, value);
  return [...merged].map(([k, v]) => `${k}=${v}`);
}
