import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRemote, tempRoot } from '../../test/helpers/git-remote.js';
import { SyncEngine, type SyncStep } from './engine.js';
import { isFullSha } from './layout.js';

const CHILD = fileURLToPath(new URL('../../test/crash-child.ts', import.meta.url));
// Whole-program kills cost a Node start each: the step list plus a few random points here;
// the 200 in-process runs below cover every step and every git command.
const RANDOM_RUNS = Number(process.env['PODKIT_GS_CRASH_RANDOM_RUNS'] ?? 4);
const FILES = 40;
const STEPS: SyncStep[] = [
  'recover',
  'ls-remote',
  'fetch',
  'worktree-add',
  'verify',
  'marker',
  'pre-publish',
  'link',
  'link-rename',
  'retention',
  'prune',
];

function generation(gen: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) files[`f${i}.txt`] = `gen-${gen}\n`;
  return files;
}

/** SIGKILLs every process whose environment carries `tag`: the git children of a dead engine. */
async function killTagged(tag: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    let found = 0;
    for (const pid of await fs.readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const environ = await fs.readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
      if (environ.split('\0').includes(`GS_TAG=${tag}`)) {
        found++;
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (found === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs the child until it announces `killAt` (or READY + delay), then kills it like a crash. */
async function runAndKill(
  env: Record<string, string>,
  killAt: SyncStep | undefined,
  delayMs: number,
): Promise<string> {
  const child = spawn(process.execPath, ['--conditions=podkit-source', '--import', 'tsx', CHILD], {
    env: { ...process.env, ...env, ...(killAt === undefined ? {} : { GS_KILL_AT: killAt }) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.on('close', () => {
      resolve();
    }),
  );
  const ready = new Promise<string>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAt !== undefined && out.includes(`AT ${killAt}`)) resolve(`at ${killAt}`);
      if (killAt === undefined && out.includes('READY') && timer === undefined) {
        timer = setTimeout(() => {
          resolve(`after ${delayMs} ms`);
        }, delayMs);
      }
      if (out.includes('DONE')) resolve('after it finished');
    });
    child.on('close', () => {
      resolve(`exited early: ${err}`);
    });
  });
  const when = await ready;
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already exited
  }
  await killTagged(env['GS_TAG']!);
  await exited;
  return when;
}

/** The invariant a consumer relies on: the link names a complete tree of one revision. */
async function assertServable(
  root: string,
  genOf: Map<string, number>,
  context: string,
  files: Record<string, string> = generation(0),
): Promise<string> {
  const link = path.join(root, 'current');
  const target = await fs.readlink(link);
  const sha = path.basename(target);
  assert.ok(isFullSha(sha) && target === `.worktrees/${sha}`, `${context}: link ${target}`);
  await fs.access(path.join(root, '.worktrees', `.${sha}.complete`));
  const want = `gen-${genOf.get(sha) ?? -1}\n`;
  for (const name of Object.keys(files)) {
    assert.equal(await fs.readFile(path.join(link, name), 'utf8'), want, `${context}: ${name}`);
  }
  return sha;
}

/** After a restarted sync: no temporary names left, every tree whole, retention applied. */
async function assertTidy(root: string, context: string): Promise<void> {
  const rootNames = await fs.readdir(root);
  assert.deepEqual(
    rootNames.filter((n) => n.includes('.tmp-') || /^\.git-(new|old)-/.test(n)),
    [],
    context,
  );
  const names = await fs.readdir(path.join(root, '.worktrees'));
  for (const n of names.filter(isFullSha)) {
    assert.ok(names.includes(`.${n}.complete`), `${context}: tree ${n} without marker`);
  }
  assert.ok(names.filter(isFullSha).length <= 2, `${context}: retention keeps 2`);
}

/**
 * Where the in-process runs crash. `step`: the engine stops dead before that step (as if the
 * program were SIGKILLed there: nothing after it runs, not even error handling). `git`: the
 * git child running that command gets a real SIGKILL (its whole process group) `delayMs` after
 * it starts, and the engine stops dead the moment the child is gone.
 */
type KillPoint = { step: SyncStep } | { git: string; delayMs: number };

const GIT_KILLS = ['rev-parse', 'ls-remote', 'fetch', 'worktree add', 'worktree prune'];
const KILL_POINTS: KillPoint[] = [
  ...STEPS.map((step) => ({ step })),
  ...GIT_KILLS.flatMap((git) => [0, 2, 5, 10, 25].map((delayMs) => ({ git, delayMs }))),
];
const IN_PROCESS_RUNS = Number(process.env['PODKIT_GS_CRASH_RUNS'] ?? 200);

function describe(point: KillPoint): string {
  return 'step' in point ? `before ${point.step}` : `git ${point.git} +${point.delayMs}ms`;
}

/** The git subcommand of an argv (`worktree add`, `fetch`, ...), options skipped. */
function gitCommand(args: readonly string[]): string {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'worktree' ? `worktree ${words[1] ?? ''}` : (words[0] ?? '');
}

test(`${IN_PROCESS_RUNS} crashes at every step and inside every git command: the link always names a complete tree, the next sync converges`, async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  t.after(async () => {
    await remote.cleanup();
    await cleanup();
  });
  // A tiny repository and every revision built up front: a run costs a ref update, the
  // interrupted sync and the restarted one.
  const trees = Array.from({ length: IN_PROCESS_RUNS + 1 }, (_, gen) => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`f${i}.txt`] = `gen-${gen}\n`;
    return files;
  });
  const shas = await remote.build(trees);
  await remote.git(['push', '--quiet', 'origin', 'refs/podkit-test/build:refs/podkit-test/build']);
  const genOf = new Map(shas.map((sha, gen) => [sha, gen]));
  // What a push does to the remote's branch (a loose ref), without spawning git for it.
  const moveRemote = (sha: string): Promise<void> =>
    fs.writeFile(path.join(remote.bare, 'refs/heads/main'), `${sha}\n`);
  await moveRemote(shas[0]!);
  await new SyncEngine({ repo: remote.url, root, ref: 'main' }).sync(AbortSignal.timeout(60_000));

  const crashed = new Map<string, number>();
  const completed = new Map<string, number>();
  const forever = new Promise<never>(() => undefined);
  for (let run = 1; run <= IN_PROCESS_RUNS; run++) {
    const point = KILL_POINTS[(run - 1) % KILL_POINTS.length]!;
    const where = describe(point);
    await moveRemote(shas[run]!);
    let died!: () => void;
    const death = new Promise<'crashed'>((resolve) => {
      died = () => {
        resolve('crashed');
      };
    });
    let doomed = false; // the targeted git child has been SIGKILLed
    let killTimer: NodeJS.Timeout | undefined;
    const victim = new SyncEngine({
      repo: remote.url,
      root,
      ref: 'main',
      prePublish: () => Promise.resolve(), // so the 'pre-publish' step exists
      faults: async (step) => {
        if ('step' in point && step === point.step) {
          died();
          await forever;
        }
      },
      gitFaults: {
        spawned: (args, pid) => {
          if ('step' in point || doomed || gitCommand(args) !== point.git) return;
          doomed = true;
          const kill = (): void => {
            try {
              process.kill(-pid, 'SIGKILL');
            } catch {
              // it has already exited: the crash comes right after it
            }
          };
          if (point.delayMs === 0) kill();
          else killTimer = setTimeout(kill, point.delayMs);
        },
        exited: async (args) => {
          if ('git' in point && doomed && gitCommand(args) === point.git) {
            clearTimeout(killTimer); // exited first: never signal a reused pid
            died();
            await forever;
          }
        },
      },
    });
    const outcome = await Promise.race([
      victim.sync(AbortSignal.timeout(60_000)).then(() => 'completed' as const),
      death,
    ]);
    (outcome === 'crashed' ? crashed : completed).set(
      where,
      ((outcome === 'crashed' ? crashed : completed).get(where) ?? 0) + 1,
    );
    // What a consumer sees right after the crash: a complete tree of one revision.
    await assertServable(root, genOf, `run ${run} (${where})`, trees[0]);

    // Restart: recovery, then convergence on the remote head.
    const result = await new SyncEngine({ repo: remote.url, root, ref: 'main' }).sync(
      AbortSignal.timeout(60_000),
    );
    assert.equal(result.sha, shas[run], `run ${run} (${where}) converges`);
    assert.equal(
      await assertServable(root, genOf, `run ${run} after restart`, trees[0]),
      shas[run],
    );
    await assertTidy(root, `run ${run} (${where})`);
  }
  // Every kill point was reached at least once (a point no sync reaches tests nothing).
  const missed = KILL_POINTS.map(describe).filter((w) => !crashed.has(w));
  assert.deepEqual(missed, [], 'kill points never reached');
  const total = [...crashed.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(
    `${total} crashes in ${IN_PROCESS_RUNS} runs over ${KILL_POINTS.length} kill points; ` +
      `completed before the kill: ${[...completed].map(([w, n]) => `${w} x${n}`).join(', ') || 'none'}`,
  );
});

test('SIGKILL at every step and at random points: the link always names a complete tree, the next sync converges', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  t.after(async () => {
    await remote.cleanup();
    await cleanup();
  });
  const genOf = new Map<string, number>();
  let gen = 0;
  genOf.set(await remote.commit(generation(gen)), gen);
  await new SyncEngine({ repo: remote.url, root, ref: 'main' }).sync(AbortSignal.timeout(60_000));

  const plan: { killAt: SyncStep | undefined; delayMs: number }[] = [
    ...STEPS.map((killAt) => ({ killAt, delayMs: 0 })),
    ...Array.from({ length: RANDOM_RUNS }, () => ({
      killAt: undefined,
      delayMs: Math.floor(Math.random() * 600),
    })),
  ];
  const outcomes: string[] = [];
  for (const [i, { killAt, delayMs }] of plan.entries()) {
    gen++;
    const head = await remote.commit(generation(gen));
    genOf.set(head, gen);
    const when = await runAndKill(
      { GS_ROOT: root, GS_REPO: remote.url, GS_TAG: `gs-crash-${process.pid}-${i}` },
      killAt,
      delayMs,
    );
    outcomes.push(when);
    assert.ok(!when.startsWith('exited early'), when);
    await assertServable(root, genOf, `run ${i} killed ${when}`);

    // Restart: recovery, then convergence on the remote head.
    const result = await new SyncEngine({ repo: remote.url, root, ref: 'main' }).sync(
      AbortSignal.timeout(60_000),
    );
    assert.equal(result.sha, head, `run ${i} (${when}) converges`);
    assert.equal(await assertServable(root, genOf, `run ${i} after restart`), head);
    await assertTidy(root, `run ${i}`);
  }
  t.diagnostic(`kill points: ${outcomes.join(', ')}`);
});
