/**
 * The shell steps of a README, as a user types them, for the test that runs each example
 * README in order (readme-examples.test.ts). The convention the READMEs follow:
 *
 * - Fenced blocks tagged `console`, `sh` or `bash` are commands; other fences (diagrams,
 *   YAML) are not.
 * - In a `console` block a line starting with the prompt `# ` (root) or `$ ` is a command;
 *   a command line ending in `\` continues on the next line. Any other line is output the
 *   README shows for the command above it: the test expects it, in order, where `…` stands
 *   for anything, an IPv4 address for any address and `N ms` for any duration.
 * - In a `sh` / `bash` block each line (with `\` continuations) is a command; no output.
 * - An HTML comment on the line before a fence changes how the test treats the block:
 *   `<!-- readme-test: skip (reason) -->`: not run (a step that cannot run in a test: it
 *   installs system packages, or runs the test suite itself);
 *   `<!-- readme-test: output varies (reason) -->`: run, exit status checked, output not
 *   compared (timestamps, counters). The reason is required.
 */

/** One command of a README. */
export interface ReadmeStep {
  /** The README's line of the command (1-based). */
  line: number;
  /** The command as typed, continuation lines included, prompt removed. */
  command: string;
  /** The lines the README shows as its output (empty when it shows none or they vary). */
  expected: string[];
}

/** One fenced shell block. */
export interface ReadmeBlock {
  line: number;
  lang: 'console' | 'sh' | 'bash';
  /** `skip` / `output varies` with its reason, when the README marks the block. */
  mark?: { kind: 'skip' | 'output varies'; reason: string };
  steps: ReadmeStep[];
}

const FENCE = /^```(\w*)\s*$/;
const MARK = /^<!--\s*readme-test:\s*(skip|output varies)\s*\((.+)\)\s*-->\s*$/;
const PROMPT = /^[#$] /;

/**
 * The shell blocks of a README, in order. Throws on a `readme-test` comment the convention
 * does not know (a typo would silently run a block meant to be skipped).
 *
 * @example
 *   const steps = readmeBlocks(text).filter((b) => b.mark?.kind !== 'skip').flatMap((b) => b.steps);
 */
export function readmeBlocks(text: string): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  let pendingMark: ReadmeBlock['mark'];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.includes('readme-test')) {
      const m = MARK.exec(line.trim());
      if (m === null) throw new Error(`line ${i + 1}: not a readme-test mark: ${line}`);
      pendingMark = { kind: m[1] as 'skip' | 'output varies', reason: m[2] ?? '' };
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence === null) {
      if (line.trim() !== '') pendingMark = undefined;
      continue;
    }
    const body: string[] = [];
    const start = i + 1;
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    const lang = fence[1];
    if (lang === 'console' || lang === 'sh' || lang === 'bash') {
      const steps =
        lang === 'console' ? consoleSteps(body, start + 1) : scriptSteps(body, start + 1);
      blocks.push({ line: start, lang, ...(pendingMark ? { mark: pendingMark } : {}), steps });
    }
    pendingMark = undefined;
  }
  return blocks;
}

function consoleSteps(body: string[], firstLine: number): ReadmeStep[] {
  const steps: ReadmeStep[] = [];
  for (let i = 0; i < body.length; i++) {
    const line = body[i] ?? '';
    if (!PROMPT.test(line)) {
      if (line.trim() !== '') steps.at(-1)?.expected.push(line);
      continue;
    }
    const at = firstLine + i;
    const parts = [line.slice(2)];
    while ((parts.at(-1) ?? '').endsWith('\\') && i + 1 < body.length) parts.push(body[++i] ?? '');
    steps.push({ line: at, command: parts.join('\n'), expected: [] });
  }
  return steps;
}

function scriptSteps(body: string[], firstLine: number): ReadmeStep[] {
  const steps: ReadmeStep[] = [];
  for (let i = 0; i < body.length; i++) {
    const line = body[i] ?? '';
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const at = firstLine + i;
    const parts = [line];
    while ((parts.at(-1) ?? '').endsWith('\\') && i + 1 < body.length) parts.push(body[++i] ?? '');
    steps.push({ line: at, command: parts.join('\n'), expected: [] });
  }
  return steps;
}

// What a README's output line may show as a sample: `…` (anything), an IPv4 address, a
// duration in ms. Everything else is matched literally.
const VARIABLE = /…|\b\d{1,3}(?:\.\d{1,3}){3}\b|\b\d+ ms\b/g;

/** A README output line as a pattern over one line of real output (see the convention). */
function linePattern(expected: string): RegExp {
  let source = '';
  let last = 0;
  for (const m of expected.matchAll(VARIABLE)) {
    source += escapeRegExp(expected.slice(last, m.index));
    source += m[0] === '…' ? '.*' : m[0].endsWith(' ms') ? '\\d+ ms' : '\\d{1,3}(?:\\.\\d{1,3}){3}';
    last = m.index + m[0].length;
  }
  return new RegExp(`^${source}${escapeRegExp(expected.slice(last))}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The README's expected lines that `output` lacks, in order: each must match a later line of
 * `output` than the one before (other lines may come between). A line of only `…` matches
 * any number of lines.
 */
export function missingOutput(expected: readonly string[], output: string): string[] {
  const actual = output.split('\n').map((l) => l.trimEnd());
  const missing: string[] = [];
  let at = 0;
  for (const want of expected) {
    if (want.trim() === '…') continue;
    const pattern = linePattern(want.trimEnd());
    const found = actual.findIndex((l, i) => i >= at && pattern.test(l));
    if (found === -1) missing.push(want);
    else at = found + 1;
  }
  return missing;
}
