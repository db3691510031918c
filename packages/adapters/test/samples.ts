import { parseSampleLine } from '../src/exposition/parse-text.js';

/** Series (`name{a="b"}` with labels sorted) → value, from an exposition body. */
export function samples(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const s = parseSampleLine(line);
    const labels = Object.keys(s.labels)
      .sort()
      .map((k) => `${k}="${s.labels[k] ?? ''}"`)
      .join(',');
    out.set(labels === '' ? s.name : `${s.name}{${labels}}`, s.value);
  }
  return out;
}

/** `# TYPE` lines: name → type. */
export function types(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of body.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1] ?? '', m[2] ?? '');
  return out;
}
