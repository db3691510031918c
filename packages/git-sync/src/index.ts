/** @podkit/git-sync — a git-sync v4 compatible sidecar: atomic push-to-deploy. */
export { GitSyncErrorCode, GitCommandError } from './errors.js';
export { Redactor, redactUrls } from './redact.js';
export {
  GitRunner,
  type GitRunnerOptions,
  type GitRunOptions,
  type GitResult,
} from './git/run-git.js';
export { runProcess, type RunProcessOptions, type RunProcessResult } from './git/run-process.js';
export {
  SyncEngine,
  type SyncEngineOptions,
  type SyncResult,
  type SyncStep,
  type SyncEvent,
  type PrePublishContext,
} from './sync/engine.js';
export { execHook, type ExecHookOptions } from './sync/exec-hook.js';
export { layoutFor, type Layout } from './sync/layout.js';
export { treesToRemove, type RetentionPolicy, type RetainedTree } from './sync/retention.js';
export { SyncLoop, SYNC_BACKOFF, type SyncLoopOptions, type SyncStatus } from './loop/sync-loop.js';
export { systemClock, type Clock } from './loop/clock.js';
export {
  verifyWebhook,
  webhookRoute,
  type WebhookAuth,
  type WebhookOptions,
} from './http/webhook.js';
export { readiness, statusJson, statusRoute } from './http/status.js';
export { gitSyncConfig, defaultLink, type GitSyncConfig } from './config.js';
export { gitSyncProgram } from './program.js';
