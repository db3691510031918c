import type { IncomingMessage, ServerResponse } from 'node:http';
import { text } from 'node:stream/consumers';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode, isWorkloadKind } from '@podkit/runtime';
import type { NodeRuntime, PodChange } from '@podkit/runtime/node';
import { callOf, httpStatusOf, toWireError, type AgentInfo } from '../protocol.js';
import { AgentErrorCode, agentError } from '../errors.js';
import type { WorkloadController } from '../workloads/workload-controller.js';
import { applyManifest, applyRequestOf } from './apply.js';
import type { KubeApiAccess } from '../kube-api/server.js';

export interface ApiContext {
  runtime: NodeRuntime;
  /** The workload controllers (statuses, deletion with dependents). */
  workloads: WorkloadController;
  info: AgentInfo;
  /** The Kubernetes API's address, CA and token, or why it is not served. */
  kubeApi: () => Promise<KubeApiAccess | Error>;
  /** `POST /v1/agent/stop`: the agent stops (pods keep running). */
  stop: () => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(data),
  });
  res.end(data);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const wire = toWireError(err);
  if (res.headersSent) {
    // A stream already started: its last line says what went wrong.
    if (!res.writableEnded) res.end(`${JSON.stringify({ type: 'error', error: wire })}\n`);
    return;
  }
  sendJson(res, httpStatusOf(wire.code), { error: wire });
}

/** Starts a newline-delimited JSON answer; returns the line writer. */
function ndjson(res: ServerResponse): (value: unknown) => void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  res.flushHeaders();
  return (value) => {
    if (!res.writableEnded) res.write(`${JSON.stringify(value)}\n`);
  };
}

async function body<T>(req: IncomingMessage): Promise<T> {
  const raw = await text(req);
  try {
    return JSON.parse(raw) as T;
  } catch (cause) {
    throw agentError(AgentErrorCode.AGENT_BAD_REQUEST, 'the request body is not JSON', { cause });
  }
}

/** An abort signal for the life of the client's connection. */
function clientGone(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.on('close', () => {
    ac.abort();
  });
  req.on('aborted', () => {
    ac.abort();
  });
  return ac.signal;
}

/**
 * The agent's HTTP API (see protocol.ts). Every error goes back as `{ error: { code,
 * message, hint } }` with the same stable codes the runtime throws.
 */
export async function handleApi(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { parts, query: q } = callOf(req.url);
  const pathname = `/${parts.join('/')}`;
  const method = req.method ?? 'GET';
  const rt = ctx.runtime;
  try {
    if (parts[0] !== 'v1') throw notFound(pathname);
    const [, what, ns, name, sub] = parts;
    if (what === 'agent' && ns === undefined && method === 'GET') {
      sendJson(res, 200, ctx.info);
      return;
    }
    if (what === 'agent' && ns === 'stop' && method === 'POST') {
      sendJson(res, 202, { stopping: true });
      ctx.stop();
      return;
    }
    if (what === 'kube-api' && ns === undefined && method === 'GET') {
      // The token and CA for `podkit kubeconfig`: this socket is root's alone (0600).
      const access = await ctx.kubeApi();
      if (access instanceof Error)
        throw agentError(
          AgentErrorCode.KUBE_API_NOT_SERVED,
          `the agent does not serve the Kubernetes API: ${access.message}`,
          {
            hint: 'see agent.log under the state root; `podkit agent stop` then any command starts it again',
          },
        );
      sendJson(res, 200, access);
      return;
    }
    if (what === 'pods' && ns === undefined && method === 'GET') {
      sendJson(res, 200, { items: await rt.list() });
      return;
    }
    if (what === 'apply' && method === 'POST') {
      const input = applyRequestOf(await body<unknown>(req));
      const signal = clientGone(req, res);
      await applyManifest(rt, input, ndjson(res), signal);
      res.end();
      return;
    }
    if (what === 'gc' && method === 'POST') {
      const report = await rt.gc();
      sendJson(res, 200, {
        pods: report.pods,
        leftovers: report.leftovers,
        errors: report.errors.map((e) => e.message),
      });
      return;
    }
    if (what === 'watch' && method === 'GET') {
      const uids = new Set((q.get('uid') ?? '').split(',').filter((u) => u !== ''));
      const line = ndjson(res);
      const wanted = (c: PodChange): boolean =>
        uids.size === 0 || uids.has(c.type === 'changed' ? c.record.uid : c.uid);
      // Changes that come while the current records are read are held back: a record on disk
      // can be older than a change already announced (the write follows the announcement),
      // so each pod is sent once, as the newest of the two, and the watch never goes back.
      let held: PodChange[] | undefined = [];
      const off = rt.subscribe((c) => {
        if (!wanted(c)) return;
        if (held !== undefined) held.push(c);
        else line(c);
      });
      res.on('close', off);
      const newest = new Map<string, PodChange>();
      const records = await rt.list();
      for (const c of held) newest.set(c.type === 'changed' ? c.record.uid : c.uid, c);
      held = undefined;
      const sent = new Set<string>();
      for (const r of records) {
        if (uids.size > 0 && !uids.has(r.uid)) continue;
        line(newest.get(r.uid) ?? { type: 'changed', record: r });
        sent.add(r.uid);
      }
      for (const [uid, c] of newest) if (!sent.has(uid)) line(c);
      line({ type: 'synced' });
      return;
    }
    if (what === 'workloads' && ns === undefined && method === 'GET') {
      sendJson(res, 200, { items: await ctx.workloads.views() });
      return;
    }
    if (what === 'workloads' && method === 'DELETE' && sub !== undefined && parts.length === 5) {
      // /v1/workloads/KIND/NS/NAME: the workload, then its dependents (owner references).
      const kind = ns;
      const [wNs, wName] = [name ?? '', sub];
      if (kind === undefined || !isWorkloadKind(kind)) throw notFound(pathname);
      const timeout = q.get('timeoutMs');
      const outcome = await ctx.workloads.remove(
        kind,
        wNs,
        wName,
        timeout === null ? 120_000 : Number(timeout),
      );
      if (outcome === 'none')
        throw new PodkitError(
          RuntimeErrorCode.WORKLOAD_NOT_FOUND,
          `no ${kind} named "${wName}" in namespace "${wNs}"`,
        );
      sendJson(res, 200, { dependentsLeft: outcome === 'pending' });
      return;
    }
    if (what === 'services' && ns === undefined && method === 'GET') {
      sendJson(res, 200, { items: await rt.listServices() });
      return;
    }
    if (what === 'services' && ns !== undefined && name !== undefined && method === 'DELETE') {
      if (!(await rt.removeService(ns, name)))
        throw new PodkitError(
          RuntimeErrorCode.SERVICE_NOT_FOUND,
          `no Service named "${name}" in namespace "${ns}"`,
        );
      res.writeHead(204).end();
      return;
    }
    if (what === 'claims' && ns === undefined && method === 'GET') {
      sendJson(res, 200, { items: await rt.listClaims() });
      return;
    }
    if (what === 'claims' && ns !== undefined && name !== undefined && method === 'DELETE') {
      if (!(await rt.removeClaim(ns, name)))
        throw new PodkitError(
          RuntimeErrorCode.CLAIM_NOT_FOUND,
          `no PersistentVolumeClaim named "${name}" in namespace "${ns}"`,
        );
      res.writeHead(204).end();
      return;
    }
    if (what === 'pods' && ns !== undefined && name !== undefined) {
      if (sub === undefined && method === 'GET') {
        sendJson(res, 200, await rt.require(ns, name));
        return;
      }
      if (sub === 'events' && method === 'GET') {
        sendJson(res, 200, { items: await rt.events((await rt.require(ns, name)).uid) });
        return;
      }
      if (sub === 'stop' && method === 'POST') {
        rt.stop((await rt.require(ns, name)).uid, { force: q.get('force') === '1' });
        res.writeHead(204).end();
        return;
      }
      if (sub === undefined && method === 'DELETE') {
        await rt.require(ns, name);
        const line = ndjson(res);
        const timeout = q.get('timeoutMs');
        const record = await rt.remove(ns, name, {
          force: q.get('force') === '1',
          timeoutMs: timeout === null ? undefined : Number(timeout),
          onWait: (message) => {
            line({ type: 'wait', message });
          },
        });
        line({ type: 'result', record });
        res.end();
        return;
      }
      if (sub === 'log' && method === 'GET') {
        const container = q.get('container') ?? '';
        const tail = q.get('tail');
        const signal = clientGone(req, res);
        const lines = rt.logs(ns, name, container, {
          follow: q.get('follow') === '1',
          tail: tail === null ? undefined : Number(tail),
          timestamps: q.get('timestamps') === '1',
          signal,
        });
        // The first entry (or the error of a missing log) decides the status line.
        const first = await lines.next();
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.flushHeaders();
        if (first.done !== true) {
          res.write(first.value);
          for await (const chunk of lines) {
            if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
          }
        }
        res.end();
        return;
      }
    }
    throw notFound(pathname);
  } catch (err) {
    sendError(res, err);
  }
}

function notFound(p: string): PodkitError {
  return agentError(AgentErrorCode.AGENT_NO_SUCH_CALL, `the agent has no ${p}`, {
    hint: 'the CLI and the agent may be of different podkit versions: `podkit agent stop`, then retry',
  });
}
