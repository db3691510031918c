import { PodkitError } from '@podkit/kit';

/** The CLI's error catalogue (rows in docs/errors.md). */
export const CliErrorCode = {
  /** Bad arguments or options: exit code 2. */
  CLI_USAGE: 'CLI_USAGE',
  /** `podkit up -f FILE`: the file holds no Pod. */
  CLI_NO_POD: 'CLI_NO_POD',
  /** `-c NAME` names no container of the pod. */
  CLI_CONTAINER_NOT_FOUND: 'CLI_CONTAINER_NOT_FOUND',
  /** `podkit exec` into a container that is not running. */
  CLI_CONTAINER_NOT_RUNNING: 'CLI_CONTAINER_NOT_RUNNING',
  /** `podkit kube export`: an exported object fails the Kubernetes OpenAPI schema. */
  CLI_KUBE_SCHEMA: 'CLI_KUBE_SCHEMA',
} as const;

/** A usage mistake (unknown option, missing argument, unreadable input file): exit 2. */
export class UsageError extends PodkitError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(CliErrorCode.CLI_USAGE, message, options);
    this.name = 'UsageError';
  }
}
