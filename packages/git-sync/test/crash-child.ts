/**
 * A sync in a child process that the crash-safety test SIGKILLs. Env:
 *   GS_ROOT, GS_REPO      where and what to sync
 *   GS_KILL_AT            a SyncStep: announce "AT <step>" and hang there, waiting for SIGKILL
 *   GS_TAG                put in every git child's environment so the test can find them
 */
import { SyncEngine, type SyncStep } from '../src/sync/engine.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};

const killAt = process.env['GS_KILL_AT'] as SyncStep | undefined;
const engine = new SyncEngine({
  repo: env('GS_REPO'),
  root: env('GS_ROOT'),
  ref: 'main',
  gitEnv: { GS_TAG: env('GS_TAG') },
  prePublish: () => Promise.resolve(), // so the 'pre-publish' step exists
  faults: async (step) => {
    if (step !== killAt) return;
    process.stdout.write(`AT ${step}\n`);
    await new Promise(() => undefined); // hang until killed
  },
});
process.stdout.write('READY\n');
const result = await engine.sync(AbortSignal.timeout(120_000));
process.stdout.write(`DONE ${result.sha}\n`);
