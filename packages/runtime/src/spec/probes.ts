import { checkHttpHeaderName, checkPortName } from './names.js';
import { typeMismatch, type Fields } from './reader.js';
import type {
  ExecAction,
  GRPCAction,
  HTTPGetAction,
  Lifecycle,
  LifecycleHandler,
  Probe,
  TCPSocketAction,
} from './types.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** Kubernetes' probe defaults (a 0 in the manifest means the default too). */
export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

/** A port by number (1-65535) or by the name of one of the container's ports. */
export function readPortRef(f: Fields, key: string, required = true): number | string | undefined {
  const raw = f.raw(key);
  if (raw === undefined) {
    if (required) f.ctx.error(f.at(key), 'required (a port number or name)', 'required');
    return undefined;
  }
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) {
      f.ctx.error(f.at(key), typeMismatch('integer or port name', raw), 'wrong-type');
      return undefined;
    }
    if (raw < 1 || raw > 65535) {
      f.ctx.error(f.at(key), `must be 1-65535, got ${raw}`, 'out-of-range');
      return undefined;
    }
    return raw;
  }
  if (typeof raw === 'string') {
    // Kubernetes treats a string as a port *name*, so "8080" is an error, not a number.
    const bad = checkPortName(raw);
    if (bad !== undefined) {
      f.ctx.error(f.at(key), `must be a port number or a port name; ${bad}`);
      return undefined;
    }
    return raw;
  }
  f.ctx.error(f.at(key), typeMismatch('integer or port name', raw), 'wrong-type');
  return undefined;
}

function readExec(f: Fields): ExecAction | undefined {
  const command = f.stringList('command', { required: 'the command to run' });
  const raw = f.value.command;
  if (Array.isArray(raw) && raw.length === 0)
    f.ctx.error(f.at('command'), 'required (the command to run)', 'required');
  return command === undefined ? undefined : { command };
}

function readHttpGet(f: Fields): HTTPGetAction | undefined {
  const path = f.string('path');
  const port = readPortRef(f, 'port');
  const host = f.string('host');
  const scheme = f.enumeration('scheme', ['HTTP', 'HTTPS']) ?? 'HTTP';
  const httpHeaders =
    f.objectList('httpHeaders', (h) => {
      const name = h.string('name', { required: true });
      const value = h.string('value') ?? '';
      if (name === undefined) return undefined;
      const bad = checkHttpHeaderName(name);
      if (bad !== undefined) {
        h.ctx.error(h.at('name'), bad);
        return undefined;
      }
      return { name, value };
    }) ?? [];
  if (port === undefined) return undefined;
  return {
    path: path === undefined || path === '' ? '/' : path,
    port,
    ...(host !== undefined && host !== '' ? { host } : {}),
    scheme,
    httpHeaders,
  };
}

function readTcpSocket(f: Fields): TCPSocketAction | undefined {
  const port = readPortRef(f, 'port');
  const host = f.string('host');
  if (port === undefined) return undefined;
  return { port, ...(host !== undefined && host !== '' ? { host } : {}) };
}

function readGrpc(f: Fields): GRPCAction | undefined {
  const port = f.int32('port', { required: true, min: 1, max: 65535 });
  const service = f.string('service') ?? '';
  return port === undefined ? undefined : { port, service };
}

/**
 * Exactly one of `handlers` is present; reports none or several. `reported` handlers were
 * already reported as unsupported, so their presence is not "no handler".
 */
function checkOneHandler(
  f: Fields,
  handlers: readonly string[],
  reported: readonly string[] = [],
): boolean {
  const present = handlers.filter((h) => f.has(h));
  if (present.length === 1) return true;
  if (present.length === 0) {
    if (reported.some((h) => f.has(h))) return false;
    const list = `${handlers.slice(0, -1).join(', ')} or ${handlers.at(-1) ?? ''}`;
    f.ctx.error(f.path, `must specify exactly one handler: ${list}`, 'required');
  } else {
    f.ctx.error(
      f.at(present[1] ?? ''),
      `may not specify more than one handler, got ${present.join(' and ')}`,
      'invalid-value',
      'key',
    );
  }
  return false;
}

/** Reads a liveness/readiness/startup probe with its defaults. */
export function readProbe(f: Fields, kind: ProbeKind): Probe | undefined {
  const ok = checkOneHandler(f, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  const exec = f.object('exec', readExec);
  const httpGet = f.object('httpGet', readHttpGet);
  const tcpSocket = f.object('tcpSocket', readTcpSocket);
  const grpc = f.object('grpc', readGrpc);
  const timing = (key: keyof typeof PROBE_DEFAULTS): number => {
    const v = f.int32(key, { min: 0 });
    // As the API server: an unset or zero field takes the default (initialDelay's is 0).
    return v === undefined || v === 0 ? PROBE_DEFAULTS[key] : v;
  };
  const probe: Probe = {
    initialDelaySeconds: timing('initialDelaySeconds'),
    timeoutSeconds: timing('timeoutSeconds'),
    periodSeconds: timing('periodSeconds'),
    successThreshold: timing('successThreshold'),
    failureThreshold: timing('failureThreshold'),
  };
  if (kind !== 'readiness' && probe.successThreshold !== 1) {
    f.ctx.error(
      f.at('successThreshold'),
      `must be 1 for ${kind} probes, got ${probe.successThreshold}`,
    );
  }
  if (f.has('terminationGracePeriodSeconds') && kind === 'readiness') {
    f.ctx.error(
      f.at('terminationGracePeriodSeconds'),
      'must not be set for readiness probes',
      'forbidden',
      'key',
    );
    f.accept('terminationGracePeriodSeconds');
  } else {
    const grace = f.integer('terminationGracePeriodSeconds', {
      min: 1,
      range: 'must be 1 or more',
    });
    if (grace !== undefined) probe.terminationGracePeriodSeconds = grace;
  }
  if (exec !== undefined) probe.exec = exec;
  if (httpGet !== undefined) probe.httpGet = httpGet;
  if (tcpSocket !== undefined) probe.tcpSocket = tcpSocket;
  if (grpc !== undefined) probe.grpc = grpc;
  return ok ? probe : undefined;
}

function readHandler(f: Fields): LifecycleHandler | undefined {
  f.unsupported('tcpSocket', 'deprecated: the kubelet never runs it; use exec, httpGet or sleep');
  const ok = checkOneHandler(f, ['exec', 'httpGet', 'sleep'], ['tcpSocket']);
  const handler: LifecycleHandler = {};
  const exec = f.object('exec', readExec);
  if (exec !== undefined) handler.exec = exec;
  const httpGet = f.object('httpGet', readHttpGet);
  if (httpGet !== undefined) handler.httpGet = httpGet;
  const sleep = f.object('sleep', (s) => {
    const seconds = s.integer('seconds', { required: true, min: 0 });
    return seconds === undefined ? undefined : { seconds };
  });
  if (sleep !== undefined) handler.sleep = sleep;
  return ok ? handler : undefined;
}

/** Reads `lifecycle` (postStart, preStop hooks). */
export function readLifecycle(f: Fields): Lifecycle {
  f.unsupported('stopSignal', 'the image STOPSIGNAL is honoured');
  const lifecycle: Lifecycle = {};
  const postStart = f.object('postStart', readHandler);
  if (postStart !== undefined) lifecycle.postStart = postStart;
  const preStop = f.object('preStop', readHandler);
  if (preStop !== undefined) lifecycle.preStop = preStop;
  return lifecycle;
}
