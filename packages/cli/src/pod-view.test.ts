import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatus, PodRecord } from '@podkit/runtime';
import { gcSummary } from './commands/gc.js';
import { humanAge, podStatusText, portsText, readyText, restartsOf } from './pod-view.js';
import { renderTable } from './table.js';

test('humanAge follows kubectl (apimachinery HumanDuration)', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'],
    [-500, '0s'],
    [0, '0s'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [192 * s, '3m12s'],
    [15 * 60 * s, '15m'],
    [179 * 60 * s, '179m'],
    [3 * 3600 * s, '3h'],
    [(5 * 3600 + 3 * 60) * s, '5h3m'],
    [30 * 3600 * s, '30h'],
    [(3 * 24 + 4) * 3600 * s, '3d4h'],
    [40 * 24 * 3600 * s, '40d'],
    [(2 * 365 + 10) * 24 * 3600 * s, '2y10d'],
    [9 * 365 * 24 * 3600 * s, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanAge(ms), want, String(ms));
});

const status = (
  name: string,
  state: ContainerStatus['state'],
  extra: Partial<ContainerStatus> = {},
): ContainerStatus => ({
  name,
  image: 'busybox',
  imageID: '',
  state,
  lastState: {},
  ready: state.running !== undefined,
  started: state.running !== undefined,
  restartCount: 0,
  ...extra,
});

function record(over: {
  phase?: PodRecord['status']['phase'];
  init?: ContainerStatus[];
  main: ContainerStatus[];
  sidecar?: boolean;
  initialized?: boolean;
}): PodRecord {
  const container = (
    name: string,
    ports: PodRecord['pod']['spec']['containers'][number]['ports'] = [],
  ) =>
    ({
      name,
      image: 'busybox',
      ports,
    }) as unknown as PodRecord['pod']['spec']['containers'][number];
  return {
    version: 1,
    uid: 'u',
    name: 'p',
    namespace: 'default',
    createdAt: '2025-01-01T00:00:00Z',
    source: 'p.yaml',
    released: false,
    pod: {
      spec: {
        hostNetwork: false,
        restartPolicy: 'Always',
        initContainers: (over.init ?? []).map((c) => ({
          ...container(c.name),
          ...(over.sidecar === true ? { restartPolicy: 'Always' } : {}),
        })),
        containers: over.main.map((c, i) =>
          container(
            c.name,
            i === 0
              ? [
                  { containerPort: 80, hostPort: 8080, protocol: 'TCP' },
                  { containerPort: 9090, protocol: 'UDP' },
                ]
              : [],
          ),
        ),
      },
    } as unknown as PodRecord['pod'],
    status: {
      phase: over.phase ?? 'Running',
      conditions: [
        {
          type: 'Initialized',
          status: over.initialized === false ? 'False' : 'True',
          lastTransitionTime: '',
        },
      ],
      initContainerStatuses: over.init ?? [],
      containerStatuses: over.main,
    },
  };
}

test("podStatusText uses kubectl's words", () => {
  const running = { running: { startedAt: 'x' } };
  assert.equal(
    podStatusText(record({ main: [status('a', running), status('b', running)] })),
    'Running',
  );
  assert.equal(
    podStatusText(
      record({
        main: [
          status('a', running),
          status('b', { waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 3 }),
        ],
      }),
    ),
    'CrashLoopBackOff',
  );
  const completed = { terminated: { exitCode: 0, reason: 'Completed', finishedAt: 'x' } };
  assert.equal(
    podStatusText(record({ main: [status('a', completed), status('b', running)] })),
    'Running',
  );
  assert.equal(
    podStatusText(record({ phase: 'Succeeded', main: [status('a', completed)] })),
    'Completed',
  );
  const error = { terminated: { exitCode: 4, reason: 'Error', finishedAt: 'x' } };
  assert.equal(podStatusText(record({ phase: 'Failed', main: [status('a', error)] })), 'Error');
  assert.equal(
    podStatusText(
      record({
        phase: 'Pending',
        initialized: false,
        init: [status('i', running)],
        main: [status('a', { waiting: { reason: 'PodInitializing' } })],
      }),
    ),
    'Init:0/1',
  );
  assert.equal(
    podStatusText(
      record({
        phase: 'Failed',
        initialized: false,
        init: [status('i', error)],
        main: [status('a', { waiting: { reason: 'PodInitializing' } })],
      }),
    ),
    'Init:Error',
  );
});

test('READY counts main containers and native sidecars; RESTARTS all; PORTS like docker ps', () => {
  const running = { running: { startedAt: 'x' } };
  const r = record({
    sidecar: true,
    init: [status('s', running, { restartCount: 2 })],
    main: [
      status('a', running),
      status('b', { waiting: { reason: 'ContainerCreating' } }, { restartCount: 1 }),
    ],
  });
  assert.equal(readyText(r), '2/3');
  assert.equal(restartsOf(r), 3);
  assert.equal(portsText(r.pod), '8080->80/tcp, 9090/udp');
});

test('renderTable pads columns (ANSI colours take no width) and trims line ends', () => {
  const text = renderTable(
    ['NAME', 'STATUS', 'AGE'],
    [
      ['a', '\u001b[32mRunning\u001b[39m', '5s'],
      ['long-name', 'X', ''],
    ],
  );
  assert.equal(
    text,
    'NAME        STATUS    AGE\n' +
      'a           \u001b[32mRunning\u001b[39m   5s\n' +
      'long-name   X\n',
  );
});

test('gcSummary counts what gc removed per kind', () => {
  assert.equal(gcSummary({ pods: [], leftovers: [], errors: [] }), 'nothing to remove');
  assert.equal(
    gcSummary({
      pods: ['default/a'],
      leftovers: [
        { kind: 'netns', name: 'n' },
        { kind: 'mount', path: '/x' },
        { kind: 'mount', path: '/y' },
        { kind: 'runc', id: 'r' },
      ],
      errors: [],
    }),
    'removed 1 pod, 1 netns, 2 mounts, 1 runc container',
  );
});
