/**
 * `pods/log`: a container's log as plain text, streamed (chunked) as the API server streams the
 * kubelet's answer. It is the runtime's `podkit logs` reader (NodeRuntime.logs) with the
 * API's options on top: `container`, `follow`, `previous`, `sinceSeconds`/`sinceTime`,
 * `tailLines`, `timestamps`, `limitBytes`. Every refusal before the first byte is a Status.
 */
import { PodkitError } from '@podkit/kit';
import type { PodRecord } from '@podkit/runtime';
import type { LogWindow, NodeRuntime } from '@podkit/runtime/node';
import type { ApiRequest } from './request.js';
import { failure, KubeApiError, notFound, refuse } from './status.js';

export type LogRuntime = Pick<NodeRuntime, 'find' | 'logs'>;

/** The container a log or exec request is for: the one named, or the pod's only one. */
export function requestedContainer(record: PodRecord, asked: string | null): string {
  const main = record.pod.spec.containers.map((c) => c.name);
  const init = record.pod.spec.initContainers.map((c) => c.name);
  if (asked === null || asked === '') {
    if (main.length === 1 && main[0] !== undefined) return main[0];
    // The API server's words, with Go's rendering of a []string.
    let why = `a container name must be specified for pod ${record.name}, choose one of: [${main.join(' ')}]`;
    if (init.length > 0) why += ` or one of the init containers: [${init.join(' ')}]`;
    refuse('BadRequest', why);
  }
  if (!main.includes(asked) && !init.includes(asked))
    refuse('BadRequest', `container ${asked} is not valid for pod ${record.name}`);
  return asked;
}

function wholeNumber(q: URLSearchParams, key: string, min: number): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    refuse('BadRequest', `${key} must be a whole number ≥ ${String(min)}, not ${v}`);
  return n;
}

function flag(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  return v === 'true' || v === '1';
}

/**
 * The window of the previous attempt: from its start to the current attempt's start. The
 * record's times are whole seconds, so an attempt that began in the second the previous one
 * ended shares that second with it (its first lines may show with the previous).
 */
export function previousWindow(record: PodRecord, container: string): LogWindow | undefined {
  const status = [...record.status.initContainerStatuses, ...record.status.containerStatuses].find(
    (c) => c.name === container,
  );
  const last = status?.lastState.terminated;
  if (status === undefined || last === undefined) return undefined;
  const from = last.startedAt === undefined ? undefined : Date.parse(last.startedAt);
  const ended = Date.parse(last.finishedAt) + 1000;
  const next = status.state.running?.startedAt ?? status.state.terminated?.startedAt;
  const nextAt = next === undefined ? undefined : Date.parse(next);
  return { from, to: nextAt !== undefined && nextAt >= ended ? nextAt : ended };
}

export async function servePodLog(
  r: ApiRequest,
  rt: LogRuntime,
  namespace: string,
  name: string,
): Promise<void> {
  const q = r.query;
  const record = await rt.find(namespace, name);
  if (record === undefined) throw new KubeApiError(notFound('pods', name));
  const container = requestedContainer(record, q.get('container'));
  const tail = wholeNumber(q, 'tailLines', 0);
  const limit = wholeNumber(q, 'limitBytes', 1);
  const sinceSeconds = wholeNumber(q, 'sinceSeconds', 1);
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime !== null)
    refuse('BadRequest', 'at most one of sinceTime or sinceSeconds may be specified');
  let from: number | undefined;
  if (sinceSeconds !== undefined) from = Date.now() - sinceSeconds * 1000;
  if (sinceTime !== null) {
    from = Date.parse(sinceTime);
    if (Number.isNaN(from)) refuse('BadRequest', `sinceTime is not an RFC 3339 time: ${sinceTime}`);
  }
  let window: LogWindow | undefined = from === undefined ? undefined : { from };
  const previous = flag(q, 'previous');
  if (previous) {
    const w = previousWindow(record, container);
    if (w === undefined)
      refuse(
        'BadRequest',
        `previous terminated container "${container}" in pod "${name}" not found`,
      );
    window = { from: Math.max(w.from ?? 0, from ?? 0), to: w.to };
  }
  const gone = new AbortController();
  r.res.on('close', () => {
    gone.abort();
  });
  const lines = rt.logs(namespace, name, container, {
    // The previous attempt's log is complete: there is nothing to follow.
    follow: flag(q, 'follow') && !previous,
    tail,
    timestamps: flag(q, 'timestamps'),
    window,
    signal: gone.signal,
  });
  // The first entry (or the error of a missing log) decides the status line.
  let first;
  try {
    first = await lines.next();
  } catch (err) {
    if (err instanceof PodkitError)
      throw new KubeApiError(failure('BadRequest', err.message), { cause: err });
    throw err;
  }
  r.res.writeHead(200, {
    'content-type': 'text/plain',
    'cache-control': 'no-cache, private',
    'transfer-encoding': 'chunked',
  });
  r.res.flushHeaders();
  let left = limit ?? Infinity;
  const write = async (chunk: Buffer): Promise<boolean> => {
    const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
    left -= part.length;
    if (!r.res.write(part))
      await new Promise((resolve) => {
        r.res.once('drain', resolve);
        r.res.once('close', resolve);
      });
    return left > 0 && !r.res.destroyed;
  };
  try {
    if (first.done !== true && (await write(first.value)))
      for await (const chunk of lines) if (!(await write(chunk))) break;
  } catch (err) {
    r.log(
      `kube-api: log of ${namespace}/${name}/${container}: ${err instanceof Error ? err.message : String(err)}`,
    );
  } finally {
    await lines.return(undefined);
  }
  r.res.end();
}
