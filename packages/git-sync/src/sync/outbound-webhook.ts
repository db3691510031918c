import { PodkitError } from '@podkit/kit';
import { GitSyncErrorCode } from '../errors.js';
import { redactUrls } from '../redact.js';

export interface OutboundWebhookOptions {
  url: string;
  /** Default POST. */
  method?: string | undefined;
  /** The status that means success; 0 (git-sync's way) or -1 accepts any (--webhook-success-status). */
  successStatus?: number | undefined;
  /** Default 1 s, as git-sync. */
  timeoutMs?: number | undefined;
}

/**
 * git-sync's outbound webhook: an HTTP request to `url` with the new SHA in the
 * `Gitsync-Hash` header and no body. Throws GIT_SYNC_NOTIFY_FAILED on a network error,
 * timeout or unexpected status (the Notifier retries it).
 *
 * @example new Notifier({ name: 'webhook', backoffMs: 3000, run: outboundWebhook({ url }) })
 */
export function outboundWebhook(
  options: OutboundWebhookOptions,
): (sha: string, signal: AbortSignal) => Promise<void> {
  const shown = redactUrls(options.url);
  return async (sha, signal) => {
    let status: number;
    try {
      const res = await fetch(options.url, {
        method: options.method ?? 'POST',
        headers: { 'Gitsync-Hash': sha },
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 1000)]),
        redirect: 'manual',
      });
      status = res.status;
      await res.body?.cancel();
    } catch (err) {
      const why = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'failed';
      throw new PodkitError(
        GitSyncErrorCode.GIT_SYNC_NOTIFY_FAILED,
        `webhook ${shown} ${why} for ${sha}`,
        {
          cause: err,
        },
      );
    }
    const want = options.successStatus ?? 200;
    // 0 (git-sync's way) or -1: any status is a success.
    if (want > 0 && status !== want) {
      throw new PodkitError(
        GitSyncErrorCode.GIT_SYNC_NOTIFY_FAILED,
        `webhook ${shown} answered ${status} for ${sha} (expected ${want})`,
      );
    }
  };
}
