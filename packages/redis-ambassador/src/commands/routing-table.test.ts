import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAmbassador } from '../router/ambassador.js';
import { decodeReply, encodeCommand } from '../resp/decode.js';
import { CommandTable, parseCommandInfo, type CommandSpec } from './classify.js';
import { exchange, info, startReplicaSet } from '../../test/redis-servers.js';

/*
 * The routing table, observed rather than asserted: every command (and subcommand) the live
 * server's COMMAND returns is sent through a running ambassador in split mode with one
 * argument too many or too few, so the server rejects it without running it, and INFO
 * commandstats (`rejected_calls`) on each node shows where it went. Read-only commands must
 * land on the replica, everything else on the master, SCRIPT LOAD/FLUSH on both.
 */

/** Arguments (name included) that break the command's arity, or undefined if none can. */
function badArity(spec: CommandSpec): string[] | undefined {
  const words = spec.name.split('|');
  const fill = (n: number): string[] => [
    ...words,
    ...Array.from({ length: n - words.length }, (_, i) => `routing:arg${i}`),
  ];
  if (spec.arity > 0) return fill(spec.arity + 1);
  const min = -spec.arity;
  return min - 1 > words.length - 1 && min - 1 >= words.length ? fill(min - 1) : undefined;
}

test('every command of COMMAND, sent through the ambassador, reaches the node its class says', async (t) => {
  const set = await startReplicaSet(1);
  t.after(() => set.stop());
  const replica = set.replicas[0]!;
  const amb = await createAmbassador({
    listen: '127.0.0.1:0',
    master: `127.0.0.1:${set.master.port}`,
    replicas: [`127.0.0.1:${replica.port}`],
    readFrom: 'replica',
    readYourWrites: false,
  });
  t.after(() => amb.close());
  assert.equal(amb.commandSource, 'server');

  const [raw] = await exchange(set.master.port, encodeCommand(['COMMAND']), 1);
  const live = parseCommandInfo(decodeReply(raw!));
  const table = new CommandTable(live);
  const all = live.flatMap((s) => [s, ...s.subcommands]);

  const sent: { spec: CommandSpec; expect: 'replica' | 'master' | 'both' }[] = [];
  const notSent: string[] = [];
  for (const spec of all) {
    const [name, sub] = spec.name.split('|') as [string, string | undefined];
    const route = table.lookup(name, sub);
    const args = badArity(spec);
    // Session commands are the ambassador's own (answered or replayed by it); a container
    // command alone only lists its subcommands' arity.
    if (route.class === 'session' || args === undefined || spec.subcommands.length > 0) {
      notSent.push(spec.name);
      continue;
    }
    // One connection per command: whatever state a rejected MULTI or SUBSCRIBE would leave
    // in the ambassador's bookkeeping goes with it.
    const [reply] = await exchange(amb.address.port, encodeCommand(args), 1);
    const [direct] = await exchange(replica.port, encodeCommand(args), 1);
    // The very reply the server gives (an arity error; EXECABORT for EXEC), byte for byte.
    assert.equal(reply?.toString('latin1'), direct?.toString('latin1'), spec.name);
    assert.match(direct?.toString('latin1') ?? '', /^-(ERR|EXECABORT) /, spec.name);
    sent.push({
      spec,
      expect: route.broadcast ? 'both' : route.class === 'replica' ? 'replica' : 'master',
    });
  }

  const rejected = (stats: Map<string, string>, name: string): number =>
    Number(/rejected_calls=(\d+)/.exec(stats.get(`cmdstat_${name}`) ?? '')?.[1] ?? 0);
  // The direct requests above went to the replica: count them out below.
  const [onMaster, onReplica] = await Promise.all([
    info(set.master.port, 'commandstats'),
    info(replica.port, 'commandstats'),
  ]);
  const wrong: string[] = [];
  const tally = { replica: 0, master: 0, both: 0 };
  for (const { spec, expect } of sent) {
    const m = rejected(onMaster, spec.name);
    const r = rejected(onReplica, spec.name) - 1;
    const ok =
      expect === 'both'
        ? m === 1 && r === 1
        : expect === 'replica'
          ? r === 1 && m === 0
          : m === 1 && r === 0;
    if (!ok) wrong.push(`${spec.name}: expected ${expect}, master ${m}, replica ${r}`);
    tally[expect]++;
  }
  t.diagnostic(
    `${sent.length} commands observed (${JSON.stringify(tally)}); not sendable with a bad arity: ${notSent.length} (${notSent.join(' ')})`,
  );
  assert.deepEqual(wrong, []);
  // The named cases are among the observed ones.
  const observed = new Map(sent.map((s) => [s.spec.name, s.expect]));
  const named: [string, string][] = [
    ['getex', 'master'],
    ['getset', 'master'],
    ['xadd', 'master'],
    ['xreadgroup', 'master'],
    ['publish', 'master'],
    ['touch', 'master'],
    ['pfcount', 'master'],
    ['sort', 'master'],
    ['sort_ro', 'replica'],
    ['eval', 'master'],
    ['eval_ro', 'replica'],
    ['script|load', 'both'],
    ['wait', 'master'],
    ['get', 'replica'],
  ];
  for (const [name, where] of named) assert.equal(observed.get(name), where, name);
  assert.ok(sent.length > 200, `only ${sent.length} commands observed`);
});
