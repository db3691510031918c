import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError, readBody, type RouteHandler } from '@podkit/kit';
import { GitSyncErrorCode } from '../errors.js';

/** Who may trigger a sync. At least one must be set, or nothing is accepted. */
export interface WebhookAuth {
  /** GitHub: `X-Hub-Signature-256: sha256=<HMAC-SHA256(body, secret)>`. */
  githubSecret?: string | undefined;
  /** GitLab: `X-Gitlab-Token: <token>`. */
  gitlabToken?: string | undefined;
  /** Anything else: `Authorization: Bearer <token>`. */
  bearerToken?: string | undefined;
}

export interface WebhookOptions extends WebhookAuth {
  /**
   * Only pushes to these full refs trigger (e.g. `refs/heads/main`); events naming another
   * ref are acknowledged and ignored. Undefined = every event triggers.
   */
  refs?: readonly string[] | undefined;
  /** Called for every accepted event; the loop coalesces bursts. */
  trigger: () => void;
  /** Request bodies larger than this are refused with 413 before being read. Default 2 MiB. */
  maxBodyBytes?: number | undefined;
}

export type WebhookVerdict =
  | { accepted: true; trigger: boolean; reason: string }
  | { accepted: false; status: 401; reason: string };

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Authenticates a webhook delivery (constant-time comparisons) and decides whether it should
 * trigger a sync: GitHub `ping` events and pushes to other refs are accepted but do not.
 *
 * @example verifyWebhook(req.headers, body, { githubSecret: 's', refs: ['refs/heads/main'] })
 */
export function verifyWebhook(
  headers: IncomingHttpHeaders,
  body: Buffer,
  options: WebhookAuth & { refs?: readonly string[] | undefined },
): WebhookVerdict {
  let via: string | undefined;
  const sig = header(headers, 'x-hub-signature-256');
  if (options.githubSecret !== undefined && sig !== undefined) {
    const want = `sha256=${createHmac('sha256', options.githubSecret).update(body).digest('hex')}`;
    if (safeEqual(sig, want)) via = 'github';
  }
  const gitlab = header(headers, 'x-gitlab-token');
  if (via === undefined && options.gitlabToken !== undefined && gitlab !== undefined) {
    if (safeEqual(gitlab, options.gitlabToken)) via = 'gitlab';
  }
  const auth = header(headers, 'authorization');
  if (via === undefined && options.bearerToken !== undefined && auth !== undefined) {
    if (safeEqual(auth, `Bearer ${options.bearerToken}`)) via = 'bearer';
  }
  if (via === undefined)
    return { accepted: false, status: 401, reason: 'bad or missing signature' };

  if (header(headers, 'x-github-event') === 'ping') {
    return { accepted: true, trigger: false, reason: 'ping' };
  }
  if (options.refs !== undefined) {
    let eventRef: unknown;
    try {
      eventRef = (JSON.parse(body.toString('utf8')) as { ref?: unknown } | null)?.ref;
    } catch {
      eventRef = undefined; // not JSON (generic sender): no ref to filter on
    }
    if (typeof eventRef === 'string' && !options.refs.includes(eventRef)) {
      return { accepted: true, trigger: false, reason: `ignored: event for ${eventRef}` };
    }
  }
  return { accepted: true, trigger: true, reason: `accepted (${via})` };
}

/** `POST /webhook`: 202 and a trigger when authentic, 401 (no fetch) when not. */
export function webhookRoute(options: WebhookOptions): RouteHandler {
  return async (req, res) => {
    const body = await readBody(req, { limit: options.maxBodyBytes ?? 2 * 1024 * 1024 });
    const verdict = verifyWebhook(req.headers, body, options);
    if (!verdict.accepted) {
      throw new HttpError(401, GitSyncErrorCode.GIT_SYNC_WEBHOOK_UNAUTHORIZED, verdict.reason);
    }
    if (verdict.trigger) options.trigger();
    res.writeHead(202, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(`${JSON.stringify({ triggered: verdict.trigger, reason: verdict.reason })}\n`);
  };
}
