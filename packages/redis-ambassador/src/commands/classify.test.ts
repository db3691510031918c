import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeReply, encodeCommand } from '../resp/decode.js';
import {
  CommandTable,
  classifyCommand,
  parseCommandInfo,
  type CommandSpec,
  type RouteClass,
} from './classify.js';
import { BUILTIN_COMMANDS } from './builtin-table.js';
import { command, exchange, startRedis } from '../../test/redis-servers.js';

/** The reference's specific expectations (issue 7), as [command, subcommand?, class]. */
const EXPECTED: [string, string | undefined, RouteClass][] = [
  ['get', undefined, 'replica'],
  ['mget', undefined, 'replica'],
  ['hgetall', undefined, 'replica'],
  ['xread', undefined, 'replica'],
  ['getex', undefined, 'master'],
  ['getset', undefined, 'master'],
  ['xadd', undefined, 'master'],
  ['xack', undefined, 'master'],
  ['xclaim', undefined, 'master'],
  ['xautoclaim', undefined, 'master'],
  ['xdel', undefined, 'master'],
  ['xtrim', undefined, 'master'],
  ['xreadgroup', undefined, 'pinned'],
  ['publish', undefined, 'master'],
  ['spublish', undefined, 'master'],
  ['touch', undefined, 'master'],
  ['pfcount', undefined, 'master'],
  ['sort', undefined, 'master'],
  ['sort_ro', undefined, 'replica'],
  ['eval', undefined, 'master'],
  ['evalsha', undefined, 'master'],
  ['fcall', undefined, 'master'],
  ['eval_ro', undefined, 'replica'],
  ['evalsha_ro', undefined, 'replica'],
  ['fcall_ro', undefined, 'replica'],
  ['georadius', undefined, 'master'],
  ['georadius_ro', undefined, 'replica'],
  ['bitfield', undefined, 'master'],
  ['bitfield_ro', undefined, 'replica'],
  ['script', 'load', 'master'],
  ['script', 'flush', 'master'],
  ['wait', undefined, 'pinned'],
  ['multi', undefined, 'pinned'],
  ['watch', undefined, 'pinned'],
  ['subscribe', undefined, 'pinned'],
  ['blpop', undefined, 'pinned'],
  ['blmove', undefined, 'pinned'],
  ['bzpopmin', undefined, 'pinned'],
  ['brpoplpush', undefined, 'pinned'],
  ['client', 'reply', 'pinned'],
  ['client', 'tracking', 'pinned'],
  ['auth', undefined, 'session'],
  ['hello', undefined, 'session'],
  ['select', undefined, 'session'],
  ['client', 'setname', 'session'],
  ['scan', undefined, 'node-local'],
  ['hscan', undefined, 'node-local'],
  ['keys', undefined, 'node-local'],
  ['info', undefined, 'node-local'],
  ['memory', 'usage', 'node-local'],
  // One server's memory or state: answered by the master, as users expect (a replica may
  // encode a value differently, and keeps consumer-group counters of its own).
  ['object', 'encoding', 'node-local'],
  ['xinfo', 'stream', 'node-local'],
  ['debug', undefined, 'admin'],
  ['client', 'list', 'admin'],
  ['config', 'set', 'admin'],
  ['client', 'kill', 'admin'],
  ['flushall', undefined, 'admin'],
  ['shutdown', undefined, 'admin'],
  ['set', undefined, 'master'],
  ['flushdb', undefined, 'master'],
  ['some.modulecommand', undefined, 'unknown'],
];

function allSpecs(specs: readonly CommandSpec[]): CommandSpec[] {
  return specs.flatMap((s) => [s, ...s.subcommands]);
}

function writesByMetadata(s: CommandSpec): boolean {
  const f = s.flags.map((x) => x.toLowerCase());
  return (
    f.includes('write') ||
    f.includes('may_replicate') ||
    s.keySpecFlags.some((k) =>
      k.some((x) => ['rw', 'ow', 'rm', 'insert', 'delete', 'update'].includes(x.toLowerCase())),
    )
  );
}

test('classification over every command the live server reports', async (t) => {
  const server = await startRedis();
  t.after(() => server.stop());
  const [raw] = await exchange(server.port, encodeCommand(['COMMAND']), 1);
  const live = parseCommandInfo(decodeReply(raw!));
  const count = await command(server.port, ['COMMAND', 'COUNT']);
  assert.equal(live.length, count);
  const table = new CommandTable(live);
  const everything = allSpecs(live);
  assert.ok(everything.length > 300, `only ${everything.length} commands and subcommands`);

  const tally = new Map<RouteClass, number>();
  for (const spec of everything) {
    const [name, sub] = spec.name.split('|') as [string, string | undefined];
    const route = table.lookup(name, sub);
    tally.set(route.class, (tally.get(route.class) ?? 0) + 1);
    // Nothing that writes, may replicate, or is not flagged read-only may reach a replica.
    if (route.class === 'replica') {
      assert.ok(
        spec.flags.includes('readonly'),
        `${spec.name} on a replica without the readonly flag`,
      );
      assert.ok(!writesByMetadata(spec), `${spec.name} on a replica although it writes`);
    }
    // Blocking writes are never plain master/replica traffic on a pooled connection.
    if (spec.flags.includes('blocking') && writesByMetadata(spec)) {
      assert.equal(route.class, 'pinned', spec.name);
    }
  }
  t.diagnostic(`classes: ${JSON.stringify(Object.fromEntries(tally))}`);
  for (const cls of ['session', 'pinned', 'master', 'replica', 'node-local', 'admin'] as const) {
    assert.ok((tally.get(cls) ?? 0) > 0, `no command classified ${cls}`);
  }

  for (const [name, sub, cls] of EXPECTED) {
    assert.equal(table.lookup(name, sub).class, cls, `${name}${sub ? ' ' + sub : ''}`);
  }
  assert.equal(table.lookup('script', 'load').broadcast, true);
  assert.equal(table.lookup('script', 'flush').broadcast, true);
  assert.equal(table.lookup('script', 'exists').broadcast, false);
  assert.equal(table.lookup('get').broadcast, false);

  // The committed fallback table classifies every command exactly as the live server's table.
  const builtin = new CommandTable(BUILTIN_COMMANDS);
  assert.deepEqual(builtin.names().sort(), table.names().sort());
  for (const n of table.names()) {
    const [name, sub] = n.split('|') as [string, string | undefined];
    assert.deepEqual(builtin.lookup(name, sub), table.lookup(name, sub), n);
  }
});

test('the caution rules hold whatever flags a future server reports', () => {
  const spec = (name: string, flags: string[], keySpecFlags: string[][] = []): CommandSpec => ({
    name,
    arity: -2,
    flags,
    keySpecFlags,
    subcommands: [],
  });
  // Read-only flag but a RW key spec (PFCOUNT's case).
  assert.equal(classifyCommand(spec('x', ['readonly'], [['RW', 'access']])), 'master');
  // Neither write nor readonly (EVAL's case), or only pubsub (PUBLISH's case).
  assert.equal(classifyCommand(spec('x', ['noscript', 'stale'])), 'master');
  assert.equal(classifyCommand(spec('x', ['pubsub', 'fast'])), 'master');
  assert.equal(classifyCommand(spec('x', ['readonly', 'may_replicate'])), 'master');
  assert.equal(classifyCommand(spec('x', ['readonly'], [['RO', 'access']])), 'replica');
  assert.equal(classifyCommand(spec('x', ['write', 'blocking'])), 'pinned');
  assert.equal(classifyCommand(spec('x', ['readonly', 'blocking'], [['RO', 'access']])), 'replica');
});

test('route flags: pass-through, replication stream, replayed state, blocking, from one table', () => {
  const table = new CommandTable(BUILTIN_COMMANDS);
  const flags = (name: string, sub?: string): string => {
    const r = table.lookup(name, sub);
    return (['passthrough', 'replication', 'state', 'blocking'] as const)
      .filter((f) => r[f])
      .join(',');
  };
  for (const n of [
    'subscribe',
    'psubscribe',
    'ssubscribe',
    'unsubscribe',
    'punsubscribe',
    'monitor',
  ])
    assert.equal(flags(n), 'passthrough', n);
  assert.equal(flags('client', 'reply'), 'passthrough');
  assert.equal(flags('sync'), 'passthrough,replication');
  assert.equal(flags('psync'), 'passthrough,replication');
  for (const n of ['auth', 'hello', 'select']) assert.equal(flags(n), 'state', n);
  assert.equal(flags('client', 'setname'), 'state');
  for (const n of ['blpop', 'brpop', 'blmove', 'bzpopmin', 'xreadgroup', 'wait'])
    assert.equal(flags(n), 'blocking', n);
  // XREAD may block but is read-only: a replica serves it, nothing pins the session.
  assert.equal(flags('xread'), '');
  assert.equal(flags('get'), '');
});
