import { PodkitError, KitErrorCode } from './errors.js';
import { formatDuration, tryParseDuration } from './duration.js';

/* ───────────────────────────── option declarations ───────────────────────────── */

interface OptionBase {
  /** One line for `--help`. */
  description?: string;
  /** Missing from flags, env and default → a config error. */
  required?: boolean;
  /** Flag name without the dashes; default: the key in kebab-case (`oneTime` → `one-time`). */
  flag?: string;
  /** Env var name; default: prefix + key in UPPER_SNAKE (`GITSYNC_ONE_TIME`); `false` = none. */
  env?: string | false;
  /** Legacy flag names (without dashes), accepted like the main flag. */
  aliases?: readonly string[];
  /** Legacy env var names, read when the main env var is unset. */
  envAliases?: readonly string[];
  /** Never echoed in errors, `--help` defaults or `configToLog`. */
  secret?: boolean;
}

export interface StringOption extends OptionBase {
  type: 'string';
  default?: string;
}
export interface IntOption extends OptionBase {
  type: 'int';
  default?: number;
  min?: number;
  max?: number;
}
export interface NumberOption extends OptionBase {
  type: 'number';
  default?: number;
  min?: number;
  max?: number;
}
/** `--x`, `--x=false`, `--no-x`; env true/false/1/0/yes/no. Defaults to false. */
export interface BooleanOption extends OptionBase {
  type: 'boolean';
  default?: boolean;
}
/** Go-style duration (`10s`, `1m30s`); the value is milliseconds. Default: text or ms. */
export interface DurationOption extends OptionBase {
  type: 'duration';
  default?: string | number;
}
export interface EnumOption<C extends string = string> extends OptionBase {
  type: 'enum';
  choices: readonly C[];
  default?: C;
}
/** Repeatable flag (each occurrence one item); the env var is comma-separated. Defaults to []. */
export interface ListOption extends OptionBase {
  type: 'list';
  default?: readonly string[];
}
/** `host:port`, `[::1]:port` or `:port` (all interfaces) → `{ host, port }`. */
export interface HostPortOption extends OptionBase {
  type: 'hostport';
  default?: string;
}
/** Escape hatch: `parse` throws (any error) on bad input; `expected` says what is wanted. */
export interface CustomOption<T = unknown> extends OptionBase {
  type: 'custom';
  parse: (raw: string) => T;
  expected: string;
  /** Written as a user would type it; goes through `parse`. */
  default?: string;
}

export type OptionSpec =
  | StringOption
  | IntOption
  | NumberOption
  | BooleanOption
  | DurationOption
  | EnumOption
  | ListOption
  | HostPortOption
  | CustomOption;

export interface HostPort {
  host: string;
  port: number;
}

export interface ConfigSpecInput<O extends Record<string, OptionSpec>> {
  /** The program name, shown in `--help`. */
  name: string;
  description?: string;
  /** Printed by `--version`; without it `--version` is an unknown flag. */
  version?: string;
  /** Prefix of every env var, e.g. `GITSYNC_`. */
  envPrefix: string;
  options: O;
}

/** One option with every name worked out. */
export interface ResolvedOption {
  readonly key: string;
  readonly spec: OptionSpec;
  readonly flag: string;
  readonly env: string | undefined;
  readonly flagAliases: readonly string[];
  readonly envAliases: readonly string[];
  /** The parsed default, or undefined when there is none. */
  readonly defaultValue: unknown;
}

export interface ConfigSpec<O extends Record<string, OptionSpec>> extends ConfigSpecInput<O> {
  readonly resolved: readonly ResolvedOption[];
}

/* ───────────────────────────── the typed result ───────────────────────────── */

type HasValue<O> = O extends { required: true }
  ? true
  : O extends { default: unknown }
    ? true
    : O extends { type: 'boolean' | 'list' }
      ? true
      : false;

/** The parsed type of one option. */
export type OptionValue<O> = O extends { type: 'string' }
  ? string
  : O extends { type: 'int' | 'number' | 'duration' }
    ? number
    : O extends { type: 'boolean' }
      ? boolean
      : O extends { type: 'enum'; choices: readonly (infer C)[] }
        ? C
        : O extends { type: 'list' }
          ? string[]
          : O extends { type: 'hostport' }
            ? HostPort
            : O extends { type: 'custom'; parse: (raw: string) => infer T }
              ? T
              : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The config object `parseConfig` returns: required or defaulted options are non-optional. */
export type ConfigOf<S> =
  S extends ConfigSpec<infer O>
    ? Simplify<
        { [K in keyof O as HasValue<O[K]> extends true ? K : never]: OptionValue<O[K]> } & {
          [K in keyof O as HasValue<O[K]> extends true ? never : K]?: OptionValue<O[K]> | undefined;
        }
      >
    : never;

/* ───────────────────────────── errors ───────────────────────────── */

export interface ConfigProblem {
  readonly key: string;
  readonly flag: string;
  readonly env: string | undefined;
  /** Where the bad value came from; `missing` for a required option with no value. */
  readonly source: 'flag' | 'env' | 'default' | 'missing';
  /** The flag or env var name actually used (may be a legacy alias). */
  readonly from: string | undefined;
  /** The raw value, or `<redacted>` for a secret; undefined when missing. */
  readonly value: string | undefined;
  readonly message: string;
}

/** Bad configuration values (code `KIT_CONFIG_INVALID`): every problem is reported at once. */
export class ConfigError extends PodkitError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    const message =
      problems.length === 1
        ? (problems[0]?.message ?? '')
        : `${problems.length} configuration problems:\n${problems.map((p) => `  ${p.message}`).join('\n')}`;
    super(KitErrorCode.KIT_CONFIG_INVALID, message, {
      hint: 'run with --help to see every option',
    });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A malformed command line (code `KIT_USAGE`): unknown flag, missing value, stray argument. */
export class UsageError extends PodkitError {
  constructor(message: string, hint = 'run with --help to see every option') {
    super(KitErrorCode.KIT_USAGE, message, { hint });
    this.name = 'UsageError';
  }
}

/**
 * Not a failure: the user asked for `--help` (code `KIT_HELP`) or `--version` (`KIT_VERSION`).
 * `text` is what to print on stdout; `runMain` does that and exits 0.
 */
export class HelpRequested extends PodkitError {
  readonly text: string;
  constructor(kind: 'help' | 'version', text: string) {
    super(kind === 'help' ? KitErrorCode.KIT_HELP : KitErrorCode.KIT_VERSION, text);
    this.name = 'HelpRequested';
    this.text = text;
  }
}

/* ───────────────────────────── names ───────────────────────────── */

function kebab(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function upperSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The log levels pino knows, for the standard `--log-level` option. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Options every component should have; spread them into `options`.
 *
 * @example
 *   defineConfig({ name: 'x', envPrefix: 'X_', options: { ...standardOptions, port: { type: 'int' } } });
 */
export const standardOptions = {
  logLevel: {
    type: 'enum',
    choices: LOG_LEVELS,
    default: 'info',
    description: 'how much to log',
  },
} as const satisfies Record<string, OptionSpec>;

/* ───────────────────────────── value conversion ───────────────────────────── */

type Converted = { ok: true; value: unknown } | { ok: false; expected: string };

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

function range(kind: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${kind} between ${min} and ${max}`;
  if (min !== undefined) return `${kind} >= ${min}`;
  if (max !== undefined) return `${kind} <= ${max}`;
  return kind;
}

function parseHostPort(raw: string): HostPort | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]*)):(\d{1,5})$/.exec(raw);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2] ?? '';
  // Go's ":8080" means every interface; say so explicitly rather than pass an empty host on.
  return { host: host === '' ? '0.0.0.0' : host, port };
}

function convert(spec: OptionSpec, raw: string): Converted {
  switch (spec.type) {
    case 'string':
      return { ok: true, value: raw };
    case 'int': {
      const expected = range('an integer', spec.min, spec.max);
      if (!/^[+-]?\d+$/.test(raw.trim())) return { ok: false, expected };
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) return { ok: false, expected };
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        return { ok: false, expected };
      }
      return { ok: true, value: n };
    }
    case 'number': {
      const expected = range('a number', spec.min, spec.max);
      const n = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(n)) return { ok: false, expected };
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        return { ok: false, expected };
      }
      return { ok: true, value: n };
    }
    case 'boolean': {
      const word = raw.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return { ok: true, value: true };
      if (FALSE_WORDS.has(word)) return { ok: true, value: false };
      return { ok: false, expected: 'a boolean (true/false, 1/0, yes/no)' };
    }
    case 'duration': {
      const r = tryParseDuration(raw.trim());
      if (!r.ok)
        return { ok: false, expected: `a duration like 10s, 500ms or 1m30s (${r.reason})` };
      if (r.ms < 0) return { ok: false, expected: 'a duration that is not negative' };
      return { ok: true, value: r.ms };
    }
    case 'enum':
      return spec.choices.includes(raw)
        ? { ok: true, value: raw }
        : { ok: false, expected: `one of ${spec.choices.join(', ')}` };
    case 'list':
      return {
        ok: true,
        value: raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      };
    case 'hostport': {
      const hp = parseHostPort(raw.trim());
      return hp === undefined
        ? { ok: false, expected: 'host:port, [ipv6]:port or :port with a port 0-65535' }
        : { ok: true, value: hp };
    }
    case 'custom':
      try {
        return { ok: true, value: spec.parse(raw) };
      } catch (err) {
        const why = err instanceof Error ? `: ${err.message}` : '';
        return { ok: false, expected: `${spec.expected}${why}` };
      }
  }
}

/* ───────────────────────────── defineConfig ───────────────────────────── */

function specError(name: string, message: string): PodkitError {
  return new PodkitError(KitErrorCode.KIT_CONFIG_SPEC, `config of ${name}: ${message}`, {
    hint: 'this is a bug in the program, not in its configuration',
  });
}

function resolveDefault(name: string, key: string, spec: OptionSpec): unknown {
  const d = spec.default;
  if (d === undefined) {
    if (spec.type === 'boolean') return false;
    // A required list has no implicit empty default, so "missing" is reported.
    if (spec.type === 'list') return spec.required === true ? undefined : [];
    return undefined;
  }
  if (spec.type === 'list') return [...(d as readonly string[])];
  if (spec.type === 'duration' && typeof d === 'number') return d;
  if (typeof d !== 'string') return d;
  if (spec.type === 'string') return d;
  const c = convert(spec, d);
  if (!c.ok) throw specError(name, `default of ${key} ("${d}") is not ${c.expected}`);
  return c.value;
}

/**
 * Declares a component's configuration once; `parseConfig` then reads it from flags and env
 * vars, and `ConfigOf<typeof spec>` is its type. Checks the declaration itself (defaults of
 * the right type, no two options sharing a flag or env var) and throws `KIT_CONFIG_SPEC`.
 *
 * @example
 *   const spec = defineConfig({
 *     name: 'podkit-git-sync', envPrefix: 'GITSYNC_',
 *     options: { repo: { type: 'string', required: true }, period: { type: 'duration', default: '10s' } },
 *   });
 *   const cfg: ConfigOf<typeof spec> = parseConfig(spec, process.argv.slice(2), process.env);
 */
export function defineConfig<const O extends Record<string, OptionSpec>>(
  input: ConfigSpecInput<O>,
): ConfigSpec<O> {
  // Option key (or "(built-in)") by flag name, to refuse two options claiming one flag.
  const flags = new Map<string, string>([['help', '(built-in)']]);
  if (input.version !== undefined) flags.set('version', '(built-in)');
  const envs = new Map<string, string>();
  const resolved: ResolvedOption[] = [];
  for (const [key, spec] of Object.entries(input.options)) {
    const flag = spec.flag ?? kebab(key);
    const env = spec.env === false ? undefined : (spec.env ?? input.envPrefix + upperSnake(key));
    const flagAliases = spec.aliases ?? [];
    const envAliases = spec.envAliases ?? [];
    for (const f of [flag, ...flagAliases]) {
      if (!/^[a-z0-9][a-z0-9-]*$/i.test(f))
        throw specError(input.name, `bad flag name "${f}" for ${key}`);
      const owner = flags.get(f) ?? (spec.type === 'boolean' ? flags.get(`no-${f}`) : undefined);
      if (owner !== undefined)
        throw specError(input.name, `flag --${f} of ${key} is also used by ${owner}`);
      flags.set(f, key);
    }
    for (const e of env === undefined ? envAliases : [env, ...envAliases]) {
      const owner = envs.get(e);
      if (owner !== undefined)
        throw specError(input.name, `env ${e} of ${key} is also used by ${owner}`);
      envs.set(e, key);
    }
    if (spec.type === 'enum' && spec.choices.length === 0) {
      throw specError(input.name, `${key} has no choices`);
    }
    const defaultValue = resolveDefault(input.name, key, spec);
    if (spec.required === true && spec.default !== undefined) {
      throw specError(input.name, `${key} is required and has a default; pick one`);
    }
    resolved.push({ key, spec, flag, env, flagAliases, envAliases, defaultValue });
  }
  return { ...input, resolved: Object.freeze(resolved) };
}

/* ───────────────────────────── parseConfig ───────────────────────────── */

/** Levenshtein distance, for did-you-mean suggestions. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** The closest known name, if it is close enough to be a plausible typo. */
export function suggest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

interface FlagHit {
  readonly opt: ResolvedOption;
  readonly name: string;
}

/**
 * Reads the configuration: flag > env var > default, for every option. Problems with values
 * are collected and thrown together as one `ConfigError`; a malformed command line throws
 * `UsageError`; `--help`/`-h` and `--version` throw `HelpRequested` carrying the text to print.
 * An env var set to the empty string counts as unset (as in git-sync).
 */
export function parseConfig<O extends Record<string, OptionSpec>>(
  spec: ConfigSpec<O>,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigOf<ConfigSpec<O>> {
  const byFlag = new Map<string, ResolvedOption>();
  for (const opt of spec.resolved) {
    for (const f of [opt.flag, ...opt.flagAliases]) byFlag.set(f, opt);
  }

  // --help wins over everything else on the line, so a user can always get it.
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg === '--help' || arg === '-h') throw new HelpRequested('help', helpText(spec));
  }

  const fromFlags = new Map<ResolvedOption, { name: string; raw: string[] }>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--version' && spec.version !== undefined) {
      throw new HelpRequested('version', `${spec.name} ${spec.version}\n`);
    }
    if (!arg.startsWith('--') || arg === '--') {
      const what =
        arg.startsWith('-') && arg !== '-' && arg !== '--' ? 'unknown flag' : 'unexpected argument';
      throw new UsageError(`${what} "${arg}": ${spec.name} takes only --flags`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    let hit: FlagHit | undefined;
    let raw: string | undefined;
    const direct = byFlag.get(name);
    const negated = name.startsWith('no-') ? byFlag.get(name.slice(3)) : undefined;
    if (direct !== undefined) {
      hit = { opt: direct, name: `--${name}` };
      if (direct.spec.type === 'boolean') {
        raw = inline ?? 'true';
      } else if (inline !== undefined) {
        raw = inline;
      } else {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) {
          throw new UsageError(`flag --${name} needs a value`, describeExpected(direct));
        }
        raw = next;
        i++;
      }
    } else if (negated?.spec.type === 'boolean') {
      if (inline !== undefined) {
        throw new UsageError(
          `flag --${name} takes no value (got "${inline}")`,
          `use --${name} alone`,
        );
      }
      hit = { opt: negated, name: `--${name}` };
      raw = 'false';
    } else {
      const known = [...byFlag.keys()];
      const near = suggest(name, known);
      throw new UsageError(
        `unknown flag --${name}${near === undefined ? '' : ` (did you mean --${near}?)`}`,
      );
    }
    const seen = fromFlags.get(hit.opt);
    // A list collects every occurrence; any other flag given twice keeps the last (as Go's flag).
    if (seen !== undefined && hit.opt.spec.type === 'list') seen.raw.push(raw);
    else fromFlags.set(hit.opt, { name: hit.name, raw: [raw] });
  }

  const out: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const opt of spec.resolved) {
    const label = opt.env === undefined ? `--${opt.flag}` : `--${opt.flag} (env ${opt.env})`;
    const problem = (
      source: ConfigProblem['source'],
      from: string | undefined,
      value: string | undefined,
      message: string,
    ): void => {
      problems.push({ key: opt.key, flag: opt.flag, env: opt.env, source, from, value, message });
    };
    const flagged = fromFlags.get(opt);
    let raws: string[] | undefined;
    let source: 'flag' | 'env' | undefined;
    let from: string | undefined;
    if (flagged !== undefined) {
      raws = flagged.raw;
      source = 'flag';
      from = flagged.name;
    } else {
      for (const e of opt.env === undefined ? opt.envAliases : [opt.env, ...opt.envAliases]) {
        const v = env[e];
        if (v !== undefined && v !== '') {
          raws = [v];
          source = 'env';
          from = e;
          break;
        }
      }
    }
    if (raws === undefined || source === undefined) {
      if (opt.defaultValue !== undefined) {
        out[opt.key] = Array.isArray(opt.defaultValue)
          ? [...(opt.defaultValue as unknown[])]
          : opt.defaultValue;
      } else if (opt.spec.required === true) {
        const why = opt.spec.description === undefined ? '' : ` (${opt.spec.description})`;
        problem('missing', undefined, undefined, `${label} is required${why}`);
      }
      continue;
    }
    if (opt.spec.type === 'list' && source === 'flag') {
      out[opt.key] = raws;
      continue;
    }
    const raw = raws[0] ?? '';
    const c = convert(opt.spec, raw);
    if (c.ok) {
      out[opt.key] = c.value;
    } else {
      const shown = opt.spec.secret === true ? '<redacted>' : JSON.stringify(raw);
      const where = source === 'flag' ? `flag ${from ?? ''}` : `env ${from ?? ''}`;
      problem(
        source,
        from,
        opt.spec.secret === true ? '<redacted>' : raw,
        `${label}: got ${shown} from ${where}; expected ${c.expected}`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<ConfigSpec<O>>;
}

/* ───────────────────────────── help and logging ───────────────────────────── */

function describeExpected(opt: ResolvedOption): string {
  const s = opt.spec;
  switch (s.type) {
    case 'enum':
      return `expected one of ${s.choices.join(', ')}`;
    case 'duration':
      return 'expected a duration like 10s, 500ms or 1m30s';
    case 'hostport':
      return 'expected host:port';
    case 'custom':
      return `expected ${s.expected}`;
    default:
      return `expected ${s.type === 'int' ? 'an integer' : `a ${s.type}`}`;
  }
}

function placeholder(s: OptionSpec): string {
  switch (s.type) {
    case 'enum':
      return `<${s.choices.join('|')}>`;
    case 'list':
      return '<string>';
    case 'custom':
      return '<value>';
    default:
      return `<${s.type}>`;
  }
}

function showValue(s: OptionSpec, value: unknown): string {
  if (s.type === 'duration' && typeof value === 'number') return formatDuration(value);
  if (s.type === 'hostport' && typeof value === 'object' && value !== null) {
    const { host, port } = value as HostPort;
    return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  }
  if (Array.isArray(value)) return value.join(',');
  if (s.type === 'custom') return s.default ?? '';
  return String(value);
}

/** The text `--help` prints: every option with its flag, env var, default and description. */
export function helpText<O extends Record<string, OptionSpec>>(spec: ConfigSpec<O>): string {
  const rows: [string, string[]][] = [];
  for (const opt of spec.resolved) {
    const s = opt.spec;
    const left =
      s.type === 'boolean' ? `--${opt.flag}, --no-${opt.flag}` : `--${opt.flag} ${placeholder(s)}`;
    const notes: string[] = [];
    if (s.required === true) notes.push('required');
    else if (s.secret !== true && opt.defaultValue !== undefined) {
      const shown = showValue(s, opt.defaultValue);
      if (shown !== '') notes.push(`default: ${shown}`);
    }
    if (s.type === 'list') notes.push('repeatable');
    if (s.secret === true) notes.push('secret');
    const first = [s.description ?? '', notes.length > 0 ? `(${notes.join('; ')})` : '']
      .filter((x) => x !== '')
      .join(' ');
    const second: string[] = [];
    if (opt.env !== undefined) {
      second.push(`env: ${opt.env}${s.type === 'list' ? ' (comma-separated)' : ''}`);
    }
    if (opt.flagAliases.length > 0)
      second.push(`aliases: ${opt.flagAliases.map((a) => `--${a}`).join(', ')}`);
    if (opt.envAliases.length > 0) second.push(`legacy env: ${opt.envAliases.join(', ')}`);
    rows.push([
      left,
      [first, second.length > 0 ? `[${second.join('; ')}]` : ''].filter((x) => x !== ''),
    ]);
  }
  rows.push(['-h, --help', ['show this help and exit']]);
  if (spec.version !== undefined) rows.push(['--version', ['show the version and exit']]);

  const width = Math.min(34, Math.max(...rows.map(([l]) => l.length)) + 2);
  const pad = ' '.repeat(width + 2);
  const lines = [`Usage: ${spec.name} [options]`, ''];
  if (spec.description !== undefined) lines.push(spec.description, '');
  lines.push('Options:');
  for (const [left, right] of rows) {
    const [head = '', ...tail] = right;
    if (left.length + 2 > width) {
      lines.push(`  ${left}`, ...right.map((r) => pad + r));
    } else {
      lines.push(`  ${left.padEnd(width)}${head}`, ...tail.map((r) => pad + r));
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The config as a plain object safe to log: secret options are replaced by `[redacted]`,
 * durations stay milliseconds, host:port pairs become text.
 */
export function configToLog<O extends Record<string, OptionSpec>>(
  cfg: ConfigOf<ConfigSpec<O>>,
  spec: ConfigSpec<O>,
): Record<string, unknown> {
  const values = cfg as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const opt of spec.resolved) {
    const v = values[opt.key];
    if (v === undefined) continue;
    if (opt.spec.secret === true) out[opt.key] = '[redacted]';
    else if (opt.spec.type === 'hostport') out[opt.key] = showValue(opt.spec, v);
    else out[opt.key] = v;
  }
  return out;
}

/** The keys of the secret options, for a logger's redaction list. */
export function secretKeys<O extends Record<string, OptionSpec>>(spec: ConfigSpec<O>): string[] {
  return spec.resolved.filter((o) => o.spec.secret === true).map((o) => o.key);
}
