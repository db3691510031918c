import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { PodkitError, startGroup, type ProcessGroup } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';
import type { PodRecord } from '../pod/pod-store.js';
import { loadSandbox } from '../sandbox/index.js';
import type { StateLayout } from '../state/state-root.js';

/**
 * The bridge that runs inside the pod's network namespace (`nsenter --net=… node -e`): it
 * connects to localhost:PORT (127.0.0.1, then ::1, as containerd's port-forward does), says
 * `ok` on stderr, then copies stdin to the connection and the connection to stdout. Its end
 * of input half-closes the connection; it exits when the connection is closed and its bytes
 * are written out, or when its output is gone. A failure is one stderr line `error <why>` and exit code 1.
 *
 * Go's wording for the failures (`dial tcp4 127.0.0.1:80: connect: connection refused`),
 * which kubectl users know from the kubelet. Its first line names it in `ps` (BRIDGE_MARKER).
 */
export const BRIDGE_MARKER = 'podkit port-forward bridge';
const BRIDGE = `// ${BRIDGE_MARKER}
const net = require('node:net');
const port = Number(process.argv[1]);
const words = { ECONNREFUSED: 'connection refused', ETIMEDOUT: 'connection timed out',
  ENETUNREACH: 'network is unreachable', EADDRNOTAVAIL: 'cannot assign requested address' };
const why = (e) => words[e.code] || e.code || e.message;
const dial = (host, tcp, shown, then) => {
  const s = net.connect({ host, port });
  const failed = (e) => then('dial ' + tcp + ' ' + shown + ':' + port + ': connect: ' + why(e));
  s.once('error', failed);
  s.once('connect', () => {
    s.off('error', failed);
    process.stderr.write('ok\\n');
    // Exit once what was read reached stdout: a pipe's writes can still be queued.
    const done = () => process.stdout.write('', () => process.exit(0));
    s.on('error', done);
    s.on('close', done);
    process.stdout.on('error', () => process.exit(0));
    process.stdin.pipe(s);
    s.pipe(process.stdout);
  });
};
dial('127.0.0.1', 'tcp4', '127.0.0.1', (v4) =>
  dial('::1', 'tcp6', '[::1]', (v6) => {
    process.stderr.write('error IPv4: ' + v4 + ' IPv6 ' + v6 + '\\n');
    process.exit(1);
  }),
);
`;

function dialError(message: string, options: { cause?: unknown } = {}): PodkitError {
  return new PodkitError(RuntimeErrorCode.PORT_FORWARD_FAILED, message, options);
}

/** How long a bridge has after SIGTERM before SIGKILL (it holds nothing worth waiting for). */
const BRIDGE_GRACE_MS = 500;

/**
 * A TCP connection to `port` on localhost inside the pod's network namespace, as the kubelet
 * makes one for `kubectl port-forward`: a server bound to 127.0.0.1 in the pod is reached.
 * Node cannot enter a namespace, so a small bridge process does (see BRIDGE) in its own
 * process group; the Duplex returned is its stdio. Destroying the Duplex, or `signal`,
 * stops the bridge; the bridge's own end (the pod closed the connection) ends the Duplex.
 * A hostNetwork pod's localhost is the host's: the agent connects itself.
 *
 * @example
 *   const conn = await dialPodPort(layout, record, 8080, signal);
 *   conn.end('GET / HTTP/1.0\r\n\r\n');
 *   conn.pipe(process.stdout);
 * @throws PodkitError `PORT_FORWARD_FAILED` when the pod does not run, or nothing accepts the
 *   connection (the message says why, in the kubelet's words).
 */
export async function dialPodPort(
  layout: StateLayout,
  record: PodRecord,
  port: number,
  signal?: AbortSignal,
): Promise<Duplex> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw dialError(`invalid port ${port}`);
  const sandbox = await loadSandbox(layout, record.uid);
  if (record.released || sandbox === undefined || sandbox.phase !== 'ready')
    throw dialError(
      `pod ${record.namespace}/${record.name} is not running (${record.status.phase})`,
    );
  signal?.throwIfAborted();
  if (sandbox.netnsPath === undefined) return dialHost(port, signal);
  return dialInNamespace(sandbox.netnsPath, port, signal);
}

function dialHost(port: number, signal?: AbortSignal): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port, signal });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        dialError(
          `failed to connect to localhost:${port} of the host network: ${err.code ?? err.message}`,
          { cause: err },
        ),
      );
    });
  });
}

async function dialInNamespace(netns: string, port: number, signal?: AbortSignal): Promise<Duplex> {
  const { child, spawned } = startGroup(
    'nsenter',
    [`--net=${netns}`, '--', process.execPath, '-e', BRIDGE, String(port)],
    {
      // Only PATH: no NODE_OPTIONS (a test's --import tsx) into a process that needs none.
      env: { PATH: process.env.PATH },
      stdio: ['pipe', 'pipe', 'pipe'],
      graceMs: BRIDGE_GRACE_MS,
      ...(signal === undefined ? {} : { signal }),
    },
  );
  const group = await spawned;
  const stderr = child.stderr;
  if (stderr === null) throw new Error('the bridge has no stderr'); // stdio above: never
  let said = '';
  const verdict = await new Promise<string>((resolve) => {
    const onData = (d: Buffer): void => {
      said += d.toString('utf8');
      const nl = said.indexOf('\n');
      if (nl >= 0) {
        stderr.off('data', onData);
        resolve(said.slice(0, nl));
      }
    };
    stderr.on('data', onData);
    void group.exited.then((status) => {
      resolve(said.trim() || `the bridge exited (${status.signal ?? String(status.code)})`);
    });
  });
  if (verdict !== 'ok') {
    await group.stop();
    signal?.throwIfAborted();
    const why = verdict.startsWith('error ') ? verdict.slice('error '.length) : verdict;
    throw dialError(
      `failed to execute portforward in network namespace "${netns}": failed to connect to localhost:${port} inside namespace "${netns}", ${why}`,
    );
  }
  stderr.resume();
  return new BridgeConnection(group);
}

/**
 * The bridge's stdio as one Duplex: its stdout is read, its stdin written (`end()` is the
 * half-close the bridge passes on). Destroyed — by the caller, or once both directions are
 * done — it stops the bridge's process group, so nothing outlives the connection.
 */
class BridgeConnection extends Duplex {
  readonly #group: ProcessGroup;

  constructor(group: ProcessGroup) {
    super({ allowHalfOpen: true });
    this.#group = group;
    const { stdout, stdin } = group.child;
    if (stdout === null || stdin === null) throw new Error('the bridge has no stdio'); // never
    stdin.on('error', () => undefined); // the bridge gone: its exit ends this connection
    stdout.on('data', (d: Buffer) => {
      if (!this.push(d)) stdout.pause();
    });
    stdout.on('end', () => {
      this.push(null);
    });
  }

  override _read(): void {
    this.#group.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (e?: Error | null) => void) {
    const stdin = this.#group.child.stdin;
    if (stdin === null || stdin.destroyed) {
      callback();
      return;
    }
    stdin.write(chunk, () => {
      callback();
    });
  }

  override _final(callback: (e?: Error | null) => void) {
    const stdin = this.#group.child.stdin;
    if (stdin === null || stdin.destroyed) callback();
    else
      stdin.end(() => {
        callback();
      });
  }

  override _destroy(err: Error | null, callback: (e?: Error | null) => void) {
    this.#group.stop().then(
      () => {
        callback(err);
      },
      () => {
        callback(err);
      },
    );
  }
}
