/**
 * The API's routes: authentication first (every path), then discovery, OpenAPI and the
 * core/v1 resources. Every failure leaves as a meta/v1 Status with its HTTP code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NodeRuntime } from '@podkit/runtime/node';
import type { KubeApiState } from './api-state.js';
import { hasToken } from './auth.js';
import { handleEvents, handleNamespaces } from './core-objects.js';
import { apiGroup, apiGroupList, apiVersions, resourceList, versionInfo } from './discovery.js';
import { sendObject, sendStatus } from './http.js';
import { handleObjects } from './object-handler.js';
import { openApiV3, openApiV3Root } from './openapi.js';
import { rejectUpgrade, serveExec, unsupportedUpgrade } from './pod-exec.js';
import { servePortForward } from './pod-portforward.js';
import { handlePods } from './pods.js';
import type { ApiRequest } from './request.js';
import { findResource, GROUPS, type Group } from './resources.js';
import { storeFor, type StoreRuntime } from './stores.js';
import { failure, KubeApiError, unauthorized } from './status.js';

export interface RouterContext {
  state: KubeApiState;
  runtime: Pick<
    NodeRuntime,
    | 'find'
    | 'createOwnedPod'
    | 'remove'
    | 'stop'
    | 'configObjects'
    | 'logs'
    | 'exec'
    | 'dialPod'
    | 'updatePodMetadata'
  > &
    StoreRuntime;
  token: string;
  /** `127.0.0.1:6443`: what discovery tells clients. */
  serverAddress: () => string;
  log: (line: string) => void;
}

/** A request's URL and its path's segments, decoded. */
function requestPath(req: IncomingMessage): { url: URL; parts: string[] } {
  const url = new URL(req.url ?? '/', 'https://podkit');
  const parts = url.pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  return { url, parts };
}

export async function route(
  ctx: RouterContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    if (!hasToken(req.headers, ctx.token)) {
      sendStatus(res, unauthorized());
      return;
    }
    const { url, parts } = requestPath(req);
    const method = req.method ?? 'GET';
    const path = `/${parts.join('/')}`;
    if (method === 'GET') {
      switch (path) {
        case '/version':
          sendObject(res, 200, versionInfo());
          return;
        case '/api':
          sendObject(res, 200, apiVersions(ctx.serverAddress()));
          return;
        case '/api/v1':
          sendObject(res, 200, resourceList(''));
          return;
        case '/apis':
          sendObject(res, 200, apiGroupList());
          return;
        case '/openapi/v3':
          sendObject(res, 200, openApiV3Root());
          return;
        case '/openapi/v3/api/v1':
          sendObject(res, 200, openApiV3(''));
          return;
        case '/healthz':
        case '/livez':
        case '/readyz':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
          return;
      }
      const group = GROUPS.find(
        (g) =>
          path === `/apis/${g}` || path === `/apis/${g}/v1` || path === `/openapi/v3/apis/${g}/v1`,
      );
      if (group !== undefined) {
        if (path === `/apis/${group}`) sendObject(res, 200, apiGroup(group));
        else if (path.startsWith('/openapi/')) sendObject(res, 200, openApiV3(group));
        else sendObject(res, 200, resourceList(group));
        return;
      }
    }
    let group: Group;
    let rest: string[];
    if (parts[0] === 'api' && parts[1] === 'v1') {
      group = '';
      rest = parts.slice(2);
    } else if (
      parts[0] === 'apis' &&
      (GROUPS as readonly string[]).includes(parts[1] ?? '') &&
      parts[2] === 'v1'
    ) {
      group = parts[1] as Group;
      rest = parts.slice(3);
    } else
      throw new KubeApiError(
        failure('NotFound', 'the server could not find the requested resource'),
      );
    let namespace: string | undefined;
    let resource: string | undefined;
    let name: string | undefined;
    let subresource: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      [, namespace, resource, name, subresource] = rest;
    } else {
      [resource, name, subresource] = rest;
      if (resource !== 'namespaces' && name !== undefined) resource = undefined; // /api/v1/pods/x is no path
    }
    const info = resource === undefined ? undefined : findResource(group, resource);
    if (info === undefined || rest.length > 5 || (!info.namespaced && namespace !== undefined))
      throw new KubeApiError(
        failure('NotFound', 'the server could not find the requested resource'),
      );
    const r: ApiRequest = {
      req,
      res,
      method,
      query: url.searchParams,
      namespace,
      resource: info.name,
      name,
      subresource,
      state: ctx.state,
      log: ctx.log,
    };
    switch (info.name) {
      case 'pods':
        await handlePods(r, ctx.runtime);
        return;
      case 'namespaces':
        await handleNamespaces(r);
        return;
      case 'events':
        await handleEvents(r);
        return;
    }
    const store = storeFor(group, info.name, ctx.state, ctx.runtime);
    if (store !== undefined) {
      await handleObjects(r, store);
      return;
    }
    throw new KubeApiError(failure('NotFound', 'the server could not find the requested resource'));
  } catch (err) {
    if (err instanceof KubeApiError) {
      sendStatus(res, err.status);
      return;
    }
    ctx.log(
      `kube-api: internal error on ${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    sendStatus(
      res,
      failure(
        'InternalError',
        `an error on the server (podkit) has prevented the request from succeeding: ${err instanceof Error ? err.message : String(err)}`,
      ),
    );
  }
}

/**
 * An upgrade request: `pods/exec` over WebSocket, `pods/portforward` over a WebSocket tunnel
 * or SPDY/3.1. Anything else (exec over SPDY, attach) is refused with a Status, which a client
 * falling back from WebSocket to SPDY prints.
 */
export async function routeUpgrade(
  ctx: RouterContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  socket.on('error', () => undefined);
  try {
    if (!hasToken(req.headers, ctx.token)) {
      rejectUpgrade(socket, unauthorized());
      return;
    }
    const { url, parts } = requestPath(req);
    const [api, v1, nsWord, namespace, pods, name, sub] = parts;
    if (
      api !== 'api' ||
      v1 !== 'v1' ||
      nsWord !== 'namespaces' ||
      pods !== 'pods' ||
      namespace === undefined ||
      name === undefined ||
      parts.length !== 7
    )
      throw new KubeApiError(
        failure('NotFound', 'the server could not find the requested resource'),
      );
    if (sub === 'exec') {
      await serveExec(ctx.runtime, req, socket, head, url.searchParams, namespace, name, ctx.log);
      return;
    }
    if (sub === 'portforward') {
      await servePortForward(ctx.runtime, req, socket, head, namespace, name, ctx.log);
      return;
    }
    if (sub === 'attach')
      throw new KubeApiError(
        failure(
          'NotFound',
          `the server could not find the requested resource (${sub} is not served yet)`,
        ),
      );
    throw new KubeApiError(unsupportedUpgrade(sub ?? 'this request'));
  } catch (err) {
    if (socket.destroyed) return;
    if (err instanceof KubeApiError) {
      rejectUpgrade(socket, err.status);
      return;
    }
    ctx.log(
      `kube-api: internal error on upgrade ${(req.url ?? '').split('?')[0] ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    rejectUpgrade(
      socket,
      failure('InternalError', err instanceof Error ? err.message : String(err)),
    );
  }
}
