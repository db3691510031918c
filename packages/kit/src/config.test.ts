import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError,
  HelpRequested,
  UsageError,
  configToLog,
  defineConfig,
  isPodkitError,
  parseConfig,
  standardOptions,
  type ConfigOf,
} from './index.js';

const spec = defineConfig({
  name: 'podkit-git-sync',
  description: 'Keeps a directory in step with a git repository.',
  version: '1.2.3',
  envPrefix: 'GITSYNC_',
  options: {
    ...standardOptions,
    repo: { type: 'string', description: 'the git repository to sync', required: true },
    ref: { type: 'string', default: 'HEAD', description: 'branch, tag or SHA' },
    period: { type: 'duration', default: '10s', description: 'how often to sync' },
    depth: { type: 'int', default: 1, min: 0 },
    ratio: { type: 'number', default: 0.5, min: 0, max: 1 },
    oneTime: { type: 'boolean', default: false, description: 'sync once and exit' },
    submodules: { type: 'enum', choices: ['recursive', 'shallow', 'off'], default: 'recursive' },
    gitConfig: { type: 'list', description: 'extra git config' },
    listen: { type: 'hostport', default: '127.0.0.1:6379' },
    passwordFile: { type: 'string', secret: true },
    webhookUrl: {
      type: 'custom',
      expected: 'an http(s) URL',
      parse: (raw: string) => {
        const u = new URL(raw);
        if (!/^https?:$/.test(u.protocol)) throw new Error(`unsupported scheme ${u.protocol}`);
        return u;
      },
    },
    root: { type: 'string', default: '/git', aliases: ['dest'], envAliases: ['GIT_SYNC_ROOT'] },
    token: { type: 'string', secret: true, flag: 'auth-token', env: 'MY_TOKEN' },
  },
});

type Cfg = ConfigOf<typeof spec>;

const base = ['--repo', 'https://example.com/r.git'];
const parse = (argv: string[], env: Record<string, string> = {}): Cfg =>
  parseConfig(spec, argv, env);

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'KIT_CONFIG_INVALID');
    return err;
  }
  assert.fail('expected a ConfigError');
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${String(err)}`);
    assert.equal(err.code, 'KIT_USAGE');
    return err;
  }
  assert.fail('expected a UsageError');
}

test('the result is fully typed: required/defaulted options are non-optional', () => {
  const cfg = parse(base);
  // These assignments are the type test: they compile only if the types are right.
  const repo: string = cfg.repo;
  const period: number = cfg.period;
  const oneTime: boolean = cfg.oneTime;
  const sub: 'recursive' | 'shallow' | 'off' = cfg.submodules;
  const gc: string[] = cfg.gitConfig;
  const listen: { host: string; port: number } = cfg.listen;
  const level: string = cfg.logLevel;
  const pw: string | undefined = cfg.passwordFile;
  const hook: URL | undefined = cfg.webhookUrl;
  // @ts-expect-error an optional option may be undefined
  const pw2: string = cfg.passwordFile;
  assert.deepEqual(
    { repo, period, oneTime, sub, gc, listen, level, pw, hook, pw2 },
    {
      repo: 'https://example.com/r.git',
      period: 10_000,
      oneTime: false,
      sub: 'recursive',
      gc: [],
      listen: { host: '127.0.0.1', port: 6379 },
      level: 'info',
      pw: undefined,
      hook: undefined,
      pw2: undefined,
    },
  );
  assert.equal(cfg.depth, 1);
  assert.equal(cfg.ratio, 0.5);
  assert.equal(cfg.ref, 'HEAD');
  assert.equal(cfg.root, '/git');
});

describe('precedence flag > env > default, for every type', () => {
  // For each option: a flag value, an env value, the default, and what each parses to.
  const cases: {
    key: keyof Cfg;
    flag: string[];
    env: [string, string];
    fromFlag: unknown;
    fromEnv: unknown;
    fromDefault: unknown;
  }[] = [
    {
      key: 'ref',
      flag: ['--ref', 'main'],
      env: ['GITSYNC_REF', 'dev'],
      fromFlag: 'main',
      fromEnv: 'dev',
      fromDefault: 'HEAD',
    },
    {
      key: 'depth',
      flag: ['--depth=0'],
      env: ['GITSYNC_DEPTH', '5'],
      fromFlag: 0,
      fromEnv: 5,
      fromDefault: 1,
    },
    {
      key: 'ratio',
      flag: ['--ratio', '0.25'],
      env: ['GITSYNC_RATIO', '1'],
      fromFlag: 0.25,
      fromEnv: 1,
      fromDefault: 0.5,
    },
    {
      key: 'oneTime',
      flag: ['--one-time'],
      env: ['GITSYNC_ONE_TIME', 'false'],
      fromFlag: true,
      fromEnv: false,
      fromDefault: false,
    },
    {
      key: 'period',
      flag: ['--period', '1m30s'],
      env: ['GITSYNC_PERIOD', '500ms'],
      fromFlag: 90_000,
      fromEnv: 500,
      fromDefault: 10_000,
    },
    {
      key: 'submodules',
      flag: ['--submodules=off'],
      env: ['GITSYNC_SUBMODULES', 'shallow'],
      fromFlag: 'off',
      fromEnv: 'shallow',
      fromDefault: 'recursive',
    },
    {
      key: 'gitConfig',
      flag: ['--git-config', 'a.b:1', '--git-config=c.d:2,3'],
      env: ['GITSYNC_GIT_CONFIG', 'x.y:1, z.w:2'],
      fromFlag: ['a.b:1', 'c.d:2,3'],
      fromEnv: ['x.y:1', 'z.w:2'],
      fromDefault: [],
    },
    {
      key: 'listen',
      flag: ['--listen', '[::1]:7000'],
      env: ['GITSYNC_LISTEN', ':7001'],
      fromFlag: { host: '::1', port: 7000 },
      fromEnv: { host: '0.0.0.0', port: 7001 },
      fromDefault: { host: '127.0.0.1', port: 6379 },
    },
    {
      key: 'logLevel',
      flag: ['--log-level', 'debug'],
      env: ['GITSYNC_LOG_LEVEL', 'warn'],
      fromFlag: 'debug',
      fromEnv: 'warn',
      fromDefault: 'info',
    },
    {
      key: 'webhookUrl',
      flag: ['--webhook-url', 'http://a.example/hook'],
      env: ['GITSYNC_WEBHOOK_URL', 'https://b.example/'],
      fromFlag: new URL('http://a.example/hook'),
      fromEnv: new URL('https://b.example/'),
      fromDefault: undefined,
    },
    {
      key: 'passwordFile',
      flag: ['--password-file', '/etc/a'],
      env: ['GITSYNC_PASSWORD_FILE', '/etc/b'],
      fromFlag: '/etc/a',
      fromEnv: '/etc/b',
      fromDefault: undefined,
    },
  ];
  for (const c of cases) {
    test(c.key, () => {
      const env = { [c.env[0]]: c.env[1] };
      assert.deepEqual(parse([...base, ...c.flag], env)[c.key], c.fromFlag, 'flag beats env');
      assert.deepEqual(parse(base, env)[c.key], c.fromEnv, 'env beats default');
      assert.deepEqual(parse(base, {})[c.key], c.fromDefault, 'default');
    });
  }

  test('the required string comes from the env when no flag is given', () => {
    assert.equal(parse([], { GITSYNC_REPO: 'file:///r' }).repo, 'file:///r');
    assert.equal(parse(['--repo=flag'], { GITSYNC_REPO: 'env' }).repo, 'flag');
  });
});

test('boolean spellings', () => {
  const t = (argv: string[], env: Record<string, string> = {}): boolean =>
    parse([...base, ...argv], env).oneTime;
  assert.equal(t(['--one-time']), true);
  assert.equal(t(['--one-time=false']), false);
  assert.equal(t(['--one-time=TRUE']), true);
  assert.equal(t(['--no-one-time'], { GITSYNC_ONE_TIME: 'yes' }), false);
  for (const [word, value] of [
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ] as const) {
    assert.equal(t([], { GITSYNC_ONE_TIME: word }), value, word);
  }
  // The last occurrence wins, as with Go's flag package.
  assert.equal(t(['--one-time', '--no-one-time']), false);
});

test('overridden names, legacy aliases and empty env vars', () => {
  assert.equal(parse([...base, '--dest', '/a']).root, '/a');
  assert.equal(parse(base, { GIT_SYNC_ROOT: '/legacy' }).root, '/legacy');
  assert.equal(parse(base, { GITSYNC_ROOT: '/new', GIT_SYNC_ROOT: '/legacy' }).root, '/new');
  assert.equal(parse([...base, '--auth-token', 's3cret']).token, 's3cret');
  assert.equal(parse(base, { MY_TOKEN: 'e' }).token, 'e');
  assert.equal(parse(base, { GITSYNC_TOKEN: 'ignored' }).token, undefined);
  // An empty env var counts as unset, so the default applies.
  assert.equal(parse(base, { GITSYNC_REF: '' }).ref, 'HEAD');
});

describe('type errors name the flag, the env var, the value and what is expected', () => {
  const cases: [string[], Record<string, string>, string][] = [
    [
      ['--depth', 'abc'],
      {},
      '--depth (env GITSYNC_DEPTH): got "abc" from flag --depth; expected an integer >= 0',
    ],
    [
      [],
      { GITSYNC_DEPTH: '-1' },
      '--depth (env GITSYNC_DEPTH): got "-1" from env GITSYNC_DEPTH; expected an integer >= 0',
    ],
    [
      ['--ratio=2'],
      {},
      '--ratio (env GITSYNC_RATIO): got "2" from flag --ratio; expected a number between 0 and 1',
    ],
    [
      [],
      { GITSYNC_PERIOD: '10' },
      '--period (env GITSYNC_PERIOD): got "10" from env GITSYNC_PERIOD; expected a duration like 10s, 500ms or 1m30s (missing unit in duration "10" (did you mean 10s?))',
    ],
    [
      ['--period', '-5s'],
      {},
      '--period (env GITSYNC_PERIOD): got "-5s" from flag --period; expected a duration that is not negative',
    ],
    [
      ['--one-time=maybe'],
      {},
      '--one-time (env GITSYNC_ONE_TIME): got "maybe" from flag --one-time; expected a boolean (true/false, 1/0, yes/no)',
    ],
    [
      [],
      { GITSYNC_SUBMODULES: 'deep' },
      '--submodules (env GITSYNC_SUBMODULES): got "deep" from env GITSYNC_SUBMODULES; expected one of recursive, shallow, off',
    ],
    [
      ['--listen', 'localhost'],
      {},
      '--listen (env GITSYNC_LISTEN): got "localhost" from flag --listen; expected host:port, [ipv6]:port or :port with a port 0-65535',
    ],
    [
      [],
      { GITSYNC_LISTEN: 'a:70000' },
      '--listen (env GITSYNC_LISTEN): got "a:70000" from env GITSYNC_LISTEN; expected host:port, [ipv6]:port or :port with a port 0-65535',
    ],
    [
      ['--webhook-url', 'ftp://x/'],
      {},
      '--webhook-url (env GITSYNC_WEBHOOK_URL): got "ftp://x/" from flag --webhook-url; expected an http(s) URL: unsupported scheme ftp:',
    ],
    [
      ['--dest=x', '--depth=1.5'],
      {},
      '--depth (env GITSYNC_DEPTH): got "1.5" from flag --depth; expected an integer >= 0',
    ],
  ];
  for (const [argv, env, message] of cases) {
    test(message.slice(0, 60), () => {
      const err = configError(() => parse([...base, ...argv], env));
      assert.equal(err.message, message);
      assert.equal(err.problems.length, 1);
    });
  }

  test('a missing required option says so, with its description', () => {
    const err = configError(() => parse([]));
    assert.equal(err.message, '--repo (env GITSYNC_REPO) is required (the git repository to sync)');
    assert.equal(err.problems[0]?.source, 'missing');
  });

  test('a required list must have at least one value', () => {
    const s = defineConfig({
      name: 'l',
      envPrefix: 'L_',
      options: { command: { type: 'list', required: true } },
    });
    const err = configError(() => parseConfig(s, [], {}));
    assert.equal(err.message, '--command (env L_COMMAND) is required');
    assert.deepEqual(parseConfig(s, [], { L_COMMAND: 'a,b' }).command, ['a', 'b']);
  });

  test('every problem is reported at once', () => {
    const err = configError(() => parse(['--depth=x'], { GITSYNC_PERIOD: 'soon' }));
    assert.deepEqual(
      err.problems.map((p) => [p.key, p.source, p.from, p.value]),
      [
        ['repo', 'missing', undefined, undefined],
        ['period', 'env', 'GITSYNC_PERIOD', 'soon'],
        ['depth', 'flag', '--depth', 'x'],
      ],
    );
    assert.match(err.message, /^3 configuration problems:\n {2}--repo/);
  });

  test('a secret value is never echoed', () => {
    const secret = defineConfig({
      name: 's',
      envPrefix: 'S_',
      options: { pin: { type: 'int', secret: true } },
    });
    const err = configError(() => parseConfig(secret, ['--pin', 'hunter2'], {}));
    assert.equal(
      err.message,
      '--pin (env S_PIN): got <redacted> from flag --pin; expected an integer',
    );
    assert.ok(!JSON.stringify(err.problems).includes('hunter2'));
  });
});

describe('usage errors', () => {
  test('unknown flag → KIT_USAGE with a suggestion', () => {
    const err = usageError(() => parse([...base, '--perod', '5s']));
    assert.equal(err.message, 'unknown flag --perod (did you mean --period?)');
    assert.equal(err.hint, 'run with --help to see every option');
  });
  test('unknown flag far from any name has no suggestion', () => {
    assert.equal(usageError(() => parse(['--zzzzzzzz'])).message, 'unknown flag --zzzzzzzz');
  });
  test('missing value, stray argument, value on --no-x', () => {
    assert.equal(usageError(() => parse(['--repo'])).message, 'flag --repo needs a value');
    assert.equal(
      usageError(() => parse(['--repo', '--depth=1'])).message,
      'flag --repo needs a value',
    );
    assert.equal(
      usageError(() => parse([...base, 'extra'])).message,
      'unexpected argument "extra": podkit-git-sync takes only --flags',
    );
    assert.equal(
      usageError(() => parse([...base, '-x'])).message,
      'unknown flag "-x": podkit-git-sync takes only --flags',
    );
    assert.equal(
      usageError(() => parse(['--no-one-time=1'])).message,
      'flag --no-one-time takes no value (got "1")',
    );
    // --no- only negates booleans.
    assert.match(usageError(() => parse(['--no-depth'])).message, /^unknown flag --no-depth/);
  });
});

describe('--help and --version', () => {
  test('--help lists every option, its env var, default and description', () => {
    let help: HelpRequested | undefined;
    try {
      // --help wins even over a bad flag elsewhere on the line.
      parse(['--bogus', '--help']);
    } catch (err) {
      if (err instanceof HelpRequested) help = err;
    }
    assert.ok(help);
    assert.equal(help.code, 'KIT_HELP');
    const text = help.text;
    assert.match(text, /^Usage: podkit-git-sync \[options\]\n\nKeeps a directory/);
    for (const opt of spec.resolved) {
      assert.ok(text.includes(`--${opt.flag}`), `help lists --${opt.flag}`);
      if (opt.env !== undefined) assert.ok(text.includes(opt.env), `help lists ${opt.env}`);
    }
    assert.match(
      text,
      /--period <duration> +how often to sync \(default: 10s\)\n +\[env: GITSYNC_PERIOD\]/,
    );
    assert.match(text, /--repo <string> +the git repository to sync \(required\)/);
    assert.match(text, /--one-time, --no-one-time +sync once and exit \(default: false\)/);
    assert.match(text, /--submodules <recursive\|shallow\|off> *\n? *\(default: recursive\)/);
    assert.match(text, /--listen <hostport> +\(default: 127\.0\.0\.1:6379\)/);
    assert.match(text, /env: GITSYNC_GIT_CONFIG \(comma-separated\)/);
    assert.match(text, /aliases: --dest; legacy env: GIT_SYNC_ROOT/);
    assert.match(text, /-h, --help +show this help and exit/);
  });

  test('-h is --help; --version prints name and version', () => {
    assert.throws(
      () => parse(['-h']),
      (e) => isPodkitError(e, 'KIT_HELP'),
    );
    assert.throws(
      () => parse(['--version']),
      (e) =>
        e instanceof HelpRequested &&
        e.code === 'KIT_VERSION' &&
        e.text === 'podkit-git-sync 1.2.3\n',
    );
  });

  test('secret defaults are not shown in help', () => {
    const s = defineConfig({
      name: 's',
      envPrefix: 'S_',
      options: { key: { type: 'string', secret: true, default: 'do-not-show' } },
    });
    assert.throws(
      () => parseConfig(s, ['--help'], {}),
      (e) =>
        e instanceof HelpRequested && !e.text.includes('do-not-show') && e.text.includes('secret'),
    );
  });
});

test('configToLog redacts secrets and renders host:port', () => {
  const cfg = parse([...base, '--password-file', '/run/pw'], { MY_TOKEN: 'tok' });
  const logged = configToLog(cfg, spec);
  assert.equal(logged['passwordFile'], '[redacted]');
  assert.equal(logged['token'], '[redacted]');
  assert.equal(logged['listen'], '127.0.0.1:6379');
  assert.equal(logged['repo'], 'https://example.com/r.git');
  assert.ok(!JSON.stringify(logged).includes('/run/pw'));
  assert.ok(!('webhookUrl' in logged));
});

test('defineConfig rejects a broken declaration (KIT_CONFIG_SPEC)', () => {
  const bad = (options: Parameters<typeof defineConfig>[0]['options']): unknown =>
    defineConfig({ name: 'b', envPrefix: 'B_', options });
  assert.throws(
    () => bad({ p: { type: 'duration', default: '10' } }),
    (e) => isPodkitError(e, 'KIT_CONFIG_SPEC') && e.message.includes('default of p ("10")'),
  );
  assert.throws(
    () => bad({ e: { type: 'enum', choices: ['a', 'b'], default: 'c' } }),
    (e) => isPodkitError(e, 'KIT_CONFIG_SPEC'),
  );
  assert.throws(
    () => bad({ a: { type: 'string' }, b: { type: 'string', aliases: ['a'] } }),
    (e) => isPodkitError(e, 'KIT_CONFIG_SPEC') && e.message.includes('flag --a of b'),
  );
  assert.throws(
    () => bad({ a: { type: 'string' }, b: { type: 'string', env: 'B_A' } }),
    (e) => isPodkitError(e, 'KIT_CONFIG_SPEC') && e.message.includes('env B_A of b'),
  );
  assert.throws(
    () => bad({ help: { type: 'boolean' } }),
    (e) => isPodkitError(e, 'KIT_CONFIG_SPEC'),
  );
});
