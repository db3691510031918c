/**
 * The framing of Kubernetes' WebSocket streaming protocols (`v4.channel.k8s.io`,
 * `v5.channel.k8s.io`, KEP-4006): each binary message is one channel byte, then that channel's
 * bytes. Channels: 0 stdin, 1 stdout, 2 stderr, 3 error (one Status JSON, the last message),
 * 4 resize (`{"Width":W,"Height":H}`), and in v5 255 close: `[255, channel]` says the client
 * closed that channel (stdin's end of file).
 */

export const Channel = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  error: 3,
  resize: 4,
  close: 255,
} as const;

/** The subprotocols served, preferred first (v5 has the close channel kubectl 1.30+ uses). */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

/** The subprotocol to answer among those a client offers, or undefined when none is served. */
export function chooseProtocol(offered: Iterable<string>): string | undefined {
  const set = new Set(offered);
  return EXEC_PROTOCOLS.find((p) => set.has(p));
}

/** One message: the channel byte, then `data`. */
export function encodeChannel(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

export interface ChannelMessage {
  channel: number;
  data: Buffer;
}

/** A message as its channel and bytes; undefined for an empty message (no channel byte). */
export function decodeChannel(message: Buffer): ChannelMessage | undefined {
  if (message.length === 0) return undefined;
  return { channel: message[0] ?? 0, data: message.subarray(1) };
}

/** A resize message's size; undefined when it is not `{"Width":n,"Height":n}`. */
export function decodeResize(data: Buffer): { cols: number; rows: number } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { Width: cols, Height: rows } = v as { Width?: unknown; Height?: unknown };
  if (typeof cols !== 'number' || typeof rows !== 'number') return undefined;
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 0 || rows < 0) return undefined;
  return { cols, rows };
}

/**
 * The error channel's Status at the end of a command, as the kubelet writes it: Success for
 * exit code 0; otherwise reason NonZeroExitCode with the code as an `ExitCode` cause, which
 * kubectl exits with.
 */
export function exitStatus(code: number, argv: readonly string[]): Record<string, unknown> {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${String(code)}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}
