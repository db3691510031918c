/**
 * The consumers of the no-torn-trees test, in their own process (as a web server would be), so
 * their load does not share the sync engine's event loop and thread pool. argv[2] is a JSON
 * file: { link, files: string[], genOf: {sha: gen}, bodies: {body: gen}, url?, httpPaths? }.
 * Runs until stdin closes, then prints one JSON line of counts:
 *   - a file reader: resolves the link once, reads every file, checks they all hold the
 *     generation of the SHA the link named (mixed tree, ENOENT, wrong SHA);
 *   - a stat poll of the link (dangling), every 20 file reads and on its own timer;
 *   - HTTP clients (bounded: 2 in flight) against nginx: any non-200 or a body that is not
 *     exactly one generation's file.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

interface Plan {
  link: string;
  files: string[];
  genOf: Record<string, number>;
  bodies: Record<string, number>;
  url?: string;
  httpPaths?: string[];
}

const plan = JSON.parse(await fs.readFile(process.argv[2] ?? '', 'utf8')) as Plan;
let done = false;
const isDone = (): boolean => done;
process.stdin.on('end', () => {
  done = true;
});
process.stdin.resume();

const stats = {
  reads: 0,
  mixed: 0,
  enoent: 0,
  wrongSha: 0,
  dangling: 0,
  polls: 0,
  revisionsRead: 0,
  responses: 0,
  httpBad: [] as string[],
  httpForeign: 0,
  revisionsServed: 0,
};
const seen = new Set<string>();
const served = new Set<number>();

/** One stat of the link, following it: ENOENT if the link is missing or dangles. */
const poll = (): void => {
  try {
    statSync(plan.link);
  } catch {
    stats.dangling++;
  }
  stats.polls++;
};

const reader = async (): Promise<void> => {
  while (!isDone()) {
    // Synchronous calls: the cheapest reads there are (this process only reads), so the
    // reader covers many flips without taking the CPU the syncs need.
    const tree = realpathSync(plan.link); // resolve once, like a web server per request
    const sha = path.basename(tree);
    const want = `gen-${plan.genOf[sha] ?? -1}\n`;
    let mixed = false;
    for (const [i, name] of plan.files.entries()) {
      let content: string;
      try {
        content = readFileSync(path.join(tree, name), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') stats.enoent++;
        content = 'ERROR';
      }
      if (content !== want) mixed = true;
      if (i % 20 === 0) poll();
    }
    if (mixed) stats.mixed++;
    if (plan.genOf[sha] === undefined) stats.wrongSha++;
    seen.add(sha);
    stats.reads++;
    // Many reads per flip still (a sync takes far longer), at a fraction of the CPU.
    await new Promise((r) => setTimeout(r, 25));
  }
};

const poller = async (): Promise<void> => {
  while (!isDone()) {
    poll();
    await new Promise((r) => setTimeout(r, 1));
  }
};

const client = async (n: number): Promise<void> => {
  const paths = plan.httpPaths ?? [];
  for (let i = 0; !isDone(); i++) {
    const file = paths[i % paths.length] ?? '';
    const res = await fetch(`${plan.url}/${file}`, { signal: AbortSignal.timeout(30_000) }).then(
      async (r) => ({ status: r.status, body: await r.text() }),
      (err: unknown) => ({ status: 0, body: String(err) }),
    );
    stats.responses++;
    if (res.status !== 200 && stats.httpBad.length < 10) {
      stats.httpBad.push(`client ${n} /${file}: ${res.status}`);
    }
    const gen = plan.bodies[res.body];
    if (gen === undefined) stats.httpForeign++;
    else served.add(gen);
    // Bounded: a few hundred requests a second at most, leaving CPU to git and nginx.
    await new Promise((r) => setTimeout(r, 10));
  }
};

const running = Promise.all([
  reader(),
  poller(),
  ...(plan.url === undefined ? [] : [client(0), client(1)]),
]);
process.stdout.write('READY\n');
await running;
stats.revisionsRead = seen.size;
stats.revisionsServed = served.size;
const cpu = process.cpuUsage();
Object.assign(stats, { cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
process.stdout.write(`${JSON.stringify(stats)}\n`);
