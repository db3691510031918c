import type { ChildProcess } from 'node:child_process';
import type { RuncExit } from '@podkit/runtime';

/**
 * How an exec (`NodeRuntime.exec`) ended, once all it printed has been read: its output read
 * before the exit event may still be queued in the pipes, and both the agent's own exec and
 * the Kubernetes API's answer with the exit only after the last byte.
 */
export async function execFinished(proc: {
  readonly child: ChildProcess;
  readonly exited: Promise<RuncExit>;
}): Promise<RuncExit> {
  const exit = await proc.exited;
  await Promise.all(
    [proc.child.stdout, proc.child.stderr].map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s === null || s.readableEnded || s.destroyed) {
            resolve();
            return;
          }
          s.once('end', resolve);
          s.once('close', resolve);
        }),
    ),
  );
  return exit;
}
