import { adapterError, AdapterErrorCode } from '../errors.js';

type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

/**
 * Compiles the JSONPath subset json_exporter configs use: `$`, `.key`, `['key']`, `[n]`
 * (negative from the end), `[*]` and `.*`; kubectl's `{.a.b}` form is accepted too.
 * Filters, slices and recursive descent are refused with ADAPTER_CONFIG.
 *
 * @example compileJsonPath('$.workers[*].name')({ workers: [{ name: 'a' }] }) // ['a']
 */
export function compileJsonPath(expr: string): (root: unknown) => unknown[] {
  let s = expr.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  if (s.startsWith('$')) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  const bad = (why: string): never => {
    throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, `JSONPath "${expr}": ${why}`, {
      hint: "supported: $, .key, ['key'], [n], [*], .*",
    });
  };
  while (i < s.length) {
    if (s.startsWith('..', i)) bad('recursive descent (..) is not supported');
    if (s[i] === '.') {
      i++;
      const m = /^(\*|[^.[\]]+)/.exec(s.slice(i));
      if (m === null) bad(`expected a key at ${i}`);
      const tok = m?.[1] ?? '';
      steps.push(tok === '*' ? { kind: 'wildcard' } : { kind: 'key', key: tok });
      i += tok.length;
    } else if (s[i] === '[') {
      const end = s.indexOf(']', i);
      if (end < 0) bad('unclosed [');
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'wildcard' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'key', key: inner.slice(1, -1) });
      else bad(`unsupported selector [${inner}]`);
    } else if (steps.length === 0 && i === 0) {
      // A bare first key: "a.b" means "$.a.b".
      s = `.${s}`;
    } else {
      bad(`unexpected "${s[i] ?? ''}" at ${i}`);
    }
  }
  return (root) => {
    let current: unknown[] = [root];
    for (const step of steps) {
      const next: unknown[] = [];
      for (const v of current) {
        if (step.kind === 'wildcard') {
          if (Array.isArray(v)) next.push(...(v as unknown[]));
          else if (v !== null && typeof v === 'object')
            next.push(...(Object.values(v) as unknown[]));
        } else if (step.kind === 'index') {
          if (Array.isArray(v)) {
            const item: unknown = (v as unknown[]).at(step.index);
            if (item !== undefined) next.push(item);
          }
        } else if (
          v !== null &&
          typeof v === 'object' &&
          !Array.isArray(v) &&
          Object.hasOwn(v, step.key)
        ) {
          next.push((v as Record<string, unknown>)[step.key]);
        }
      }
      current = next;
    }
    return current;
  };
}
