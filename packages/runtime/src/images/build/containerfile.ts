/**
 * A small Containerfile (Dockerfile) reader: enough to lint podkit's own Containerfiles and to
 * give an offline-built image the same config as the Containerfile's final stage. It knows
 * line continuations, comments, `# syntax=` directives, JSON (exec) and shell forms, and
 * `KEY=VALUE` lists; it does not expand `ARG`/`ENV` variables or run anything.
 */

/** One instruction: `ENTRYPOINT ["node", "main.js"]` → keyword ENTRYPOINT, json [...]. */
export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, USER, … */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** The JSON array of the exec form, when `args` is one. */
  json?: string[];
  /** 1-based line of the keyword. */
  line: number;
  /** The comment lines right above the instruction (without `#`), for documented exceptions. */
  comments: string[];
}

/** One `FROM … [AS name]` and the instructions up to the next FROM. */
export interface Stage {
  from: string;
  name?: string;
  line: number;
  instructions: Instruction[];
}

export interface Containerfile {
  stages: Stage[];
  /** Every comment line of the file (without `#`), e.g. `# health: …` documentation. */
  comments: string[];
}

function parseJsonArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses a Containerfile's text into stages.
 *
 * @example
 *   const cf = parseContainerfile(await readFile('containers/git-sync/Containerfile', 'utf8'));
 *   finalStageConfig(cf).entrypoint; // → ['node', '/app/packages/git-sync/dist/main.js']
 */
export function parseContainerfile(text: string): Containerfile {
  const lines = text.split('\n');
  const stages: Stage[] = [];
  const comments: string[] = [];
  let pending: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '') {
      pending = [];
      continue;
    }
    if (raw.startsWith('#')) {
      const comment = raw.slice(1).trim();
      comments.push(comment);
      pending.push(comment);
      continue;
    }
    const line = i + 1;
    let text = raw;
    // A trailing backslash continues the instruction; comment lines inside it are skipped.
    while (text.endsWith('\\') && i + 1 < lines.length) {
      text = text.slice(0, -1).trimEnd();
      i++;
      const next = (lines[i] ?? '').trim();
      if (next.startsWith('#')) {
        text += ' \\';
        continue;
      }
      text += ` ${next}`;
    }
    const match = /^(\S+)\s*(.*)$/s.exec(text);
    if (match === null) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    const args = (match[2] ?? '').trim();
    const json = parseJsonArray(args);
    const instruction: Instruction = {
      keyword,
      args,
      line,
      comments: pending,
      ...(json === undefined ? {} : { json }),
    };
    pending = [];
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({
        from: from?.[1] ?? args,
        ...(from?.[2] === undefined ? {} : { name: from[2] }),
        line,
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (stage !== undefined) stage.instructions.push(instruction);
  }
  return { stages, comments };
}

/**
 * `KEY=VALUE KEY2="two words"` → pairs (LABEL and ENV's modern form). Quotes may be double
 * or single; a backslash escapes the next character inside double quotes.
 */
export function parseKeyValues(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  const re = /\s*([^=\s]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[0].trim() === '') break;
    const key = m[1] ?? '';
    let value = m[2] ?? '';
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (value.startsWith("'")) value = value.slice(1, -1);
    pairs.push([key, value]);
  }
  return pairs;
}

/** The image config a Containerfile's final stage gives (what an OCI image config holds). */
export interface ContainerfileConfig {
  entrypoint?: string[];
  cmd?: string[];
  env: string[];
  workingDir?: string;
  user?: string;
  stopSignal?: string;
  labels: Record<string, string>;
  /** `8080/tcp` form (a bare port is tcp). */
  exposedPorts: string[];
  healthcheck?: Instruction;
}

/** The config set by the last stage's instructions (later instructions win, as in a build). */
export function finalStageConfig(cf: Containerfile): ContainerfileConfig {
  const config: ContainerfileConfig = { env: [], labels: {}, exposedPorts: [] };
  const stage = cf.stages.at(-1);
  if (stage === undefined) return config;
  const shell = (args: string): string[] => ['/bin/sh', '-c', args];
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'ENTRYPOINT':
        config.entrypoint = ins.json ?? shell(ins.args);
        break;
      case 'CMD':
        config.cmd = ins.json ?? shell(ins.args);
        break;
      case 'ENV':
        for (const [k, v] of parseKeyValues(ins.args)) {
          config.env = [...config.env.filter((e) => !e.startsWith(`${k}=`)), `${k}=${v}`];
        }
        break;
      case 'WORKDIR':
        config.workingDir = ins.args;
        break;
      case 'USER':
        config.user = ins.args;
        break;
      case 'STOPSIGNAL':
        config.stopSignal = ins.args;
        break;
      case 'LABEL':
        for (const [k, v] of parseKeyValues(ins.args)) config.labels[k] = v;
        break;
      case 'EXPOSE':
        for (const p of ins.args.split(/\s+/)) {
          if (p !== '') config.exposedPorts.push(p.includes('/') ? p : `${p}/tcp`);
        }
        break;
      case 'HEALTHCHECK':
        config.healthcheck = ins;
        break;
      default:
        break;
    }
  }
  return config;
}
