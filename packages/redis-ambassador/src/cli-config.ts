import { readFileSync } from 'node:fs';
import { defineConfig, standardOptions, type ConfigOf } from '@podkit/kit';
import { ambassadorError, AmbassadorErrorCode } from './errors.js';
import { formatEndpoint, parseEndpoint, type Endpoint } from './router/address.js';
import type { PasswordSource } from './router/control.js';

/** Every flag of `podkit-redis-ambassador`; each is also an env var `REDIS_AMBASSADOR_<NAME>`. */
export const configSpec = defineConfig({
  name: 'podkit-redis-ambassador',
  description:
    'A Redis ambassador: clients connect to --listen as to one Redis; writes go to the master, reads to the replicas.',
  version: '0.1.0',
  envPrefix: 'REDIS_AMBASSADOR_',
  options: {
    listen: {
      type: 'hostport',
      default: '127.0.0.1:6379',
      description: 'where clients connect (loopback unless told otherwise)',
    },
    master: { type: 'string', description: 'the master HOST:PORT (static/discover mode)' },
    replica: {
      type: 'list',
      description: 'a replica HOST:PORT; without any, replicas are discovered from the master',
    },
    sentinel: { type: 'list', description: 'a Sentinel HOST:PORT (Sentinel mode)' },
    masterName: { type: 'string', description: 'the master name known to the Sentinels' },
    readFrom: {
      type: 'enum',
      choices: ['master', 'replica', 'prefer-replica'],
      default: 'prefer-replica',
      description: 'where read-only commands go',
    },
    balance: {
      type: 'enum',
      choices: ['round-robin', 'least-outstanding'],
      default: 'round-robin',
      description: 'how reads are spread over the replicas',
    },
    replicaWeight: {
      type: 'list',
      description:
        "HOST:PORT=WEIGHT: a replica's share of the reads (default 1, 0 = none); any mode",
    },
    readYourWrites: {
      type: 'enum',
      choices: ['on', 'off'],
      default: 'on',
      description: "a client's reads after its own write never see older data",
    },
    httpBind: {
      type: 'hostport',
      default: '127.0.0.1:9121',
      description: '/healthz, /readyz and /metrics',
    },
    passwordFile: {
      type: 'string',
      description: 'file holding the backend password (AUTH); read again for every connection',
    },
    healthInterval: {
      type: 'duration',
      default: '500ms',
      description: 'health check period of every node',
    },
    ...standardOptions,
  },
});

export type AmbassadorConfig = ConfigOf<typeof configSpec>;

/** The endpoints and mode the flags describe; AMBASSADOR_CONFIG (exit 2) when they do not fit. */
export function resolveNodes(cfg: AmbassadorConfig): {
  master: Endpoint | undefined;
  replicas: Endpoint[];
  sentinels: Endpoint[];
  weights: Map<string, number>;
} {
  const master = cfg.master === undefined ? undefined : parseEndpoint(cfg.master, '--master');
  const replicas = cfg.replica.map((r) => parseEndpoint(r, '--replica'));
  const sentinels = cfg.sentinel.map((s) => parseEndpoint(s, '--sentinel'));
  if (sentinels.length > 0) {
    if (cfg.masterName === undefined) {
      throw ambassadorError(
        AmbassadorErrorCode.AMBASSADOR_CONFIG,
        '--sentinel needs --master-name',
      );
    }
    if (master !== undefined || replicas.length > 0) {
      throw ambassadorError(
        AmbassadorErrorCode.AMBASSADOR_CONFIG,
        '--sentinel cannot be combined with --master/--replica: the Sentinels name the nodes',
      );
    }
  } else if (master === undefined) {
    throw ambassadorError(
      AmbassadorErrorCode.AMBASSADOR_CONFIG,
      'either --master or --sentinel is required',
    );
  }
  const weights = new Map<string, number>();
  for (const w of cfg.replicaWeight) {
    const m = /^(.*)=(\d{1,4})$/.exec(w.trim());
    if (m === null || Number(m[2]) > 1000) {
      throw ambassadorError(
        AmbassadorErrorCode.AMBASSADOR_CONFIG,
        `--replica-weight: expected HOST:PORT=WEIGHT (0-1000), got ${JSON.stringify(w)}`,
        { hint: 'e.g. --replica-weight 10.0.0.2:6379=3' },
      );
    }
    weights.set(formatEndpoint(parseEndpoint(m[1] ?? '', '--replica-weight')), Number(m[2]));
  }
  return { master, replicas, sentinels, weights };
}

/**
 * The backend password, read from `file` on every call so that a rotated secret (a Kubernetes
 * Secret volume is updated in place) is used by the next connection. Checked once at start:
 * an unreadable file is a configuration error. Later read failures keep the last value.
 */
export function passwordFromFile(file: string): PasswordSource {
  const read = (): string => readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  let last: string;
  try {
    last = read();
  } catch (err) {
    throw ambassadorError(
      AmbassadorErrorCode.AMBASSADOR_CONFIG,
      `--password-file ${file}: cannot read it`,
      {
        cause: err,
      },
    );
  }
  return () => {
    try {
      last = read();
    } catch {
      // keep the last good value; the file may be mid-update
    }
    return last;
  };
}
