import { createRequire } from 'node:module';
import type { DestinationStream, Logger } from 'pino';

/** pino, loaded on first use (start-up cost for kit users that never log through it). */
function loadPino(): typeof import('pino').pino {
  return (createRequire(import.meta.url)('pino') as typeof import('pino')).pino;
}

export type { Logger } from 'pino';

/** Field names redacted wherever they appear at the top level or one level down. */
const ALWAYS_SECRET = ['password', 'token', 'secret', 'authorization', 'cookie'] as const;

export interface LoggerOptions {
  /** The component name, written as `name` on every line. */
  name: string;
  /** A pino level: fatal, error, warn, info, debug, trace or silent. */
  level?: string;
  /** Where lines go; default: stdout, written synchronously so nothing is lost on exit. */
  destination?: DestinationStream;
  /**
   * More field names to redact (e.g. `secretKeys(spec)`), at the top level and one level down
   * (`{ config: { passwordFile } }`). Full pino paths such as `req.headers["x-token"]` work too.
   */
  redact?: readonly string[];
}

/**
 * A pino JSON logger: one JSON object per line with `time` (ISO 8601), `level` (its name, not
 * pino's number, so log adapters and humans can read it), `name` and the message in `msg`.
 * Secret fields are replaced by `[redacted]`.
 *
 * @example
 *   const log = createLogger({ name: 'podkit-git-sync', level: cfg.logLevel, redact: secretKeys(spec) });
 *   log.info({ config: configToLog(cfg, spec) }, 'starting');
 */
export function createLogger(options: LoggerOptions): Logger {
  const paths = new Set<string>();
  for (const field of [...ALWAYS_SECRET, ...(options.redact ?? [])]) {
    if (/^[A-Za-z_$][\w$]*$/.test(field)) {
      paths.add(field);
      paths.add(`*.${field}`);
    } else {
      paths.add(field);
    }
  }
  const pino = loadPino();
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...paths], censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
