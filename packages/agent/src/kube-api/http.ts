/**
 * The HTTP edges of the Kubernetes API: bounded bodies, JSON or YAML decoding, JSON answers
 * and the Status answer of an error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseYamlDocuments } from '@podkit/runtime/spec';
import { decodeProtobuf, PROTOBUF } from './protobuf.js';
import { failure, KubeApiError, refuse, type Status } from './status.js';

/** The API server's default limit of a request body (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** The body's bytes; 413 as soon as it grows over `limit` (the rest is not read). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): never {
  refuse('RequestEntityTooLarge', `the request body is over the limit of ${String(limit)} bytes`);
}

/**
 * The body as one JSON object: JSON, or YAML when the content type says so (kubectl sends
 * JSON). Malformed → 400 BadRequest with the parser's message.
 */
export function decodeObject(
  raw: Buffer,
  contentType: string | undefined,
): Record<string, unknown> {
  const text = raw.toString('utf8');
  const type = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  let value: unknown;
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    const parsed = parseYamlDocuments(text, 'body');
    const syntax = parsed.diagnostics.find((d) => d.severity === 'error');
    if (syntax !== undefined)
      refuse(
        'BadRequest',
        `the request body is not valid YAML: line ${String(syntax.line)}, column ${String(syntax.column)}: ${syntax.message}`,
      );
    if (parsed.documents.length !== 1)
      refuse('BadRequest', 'the request body must be one YAML document');
    value = parsed.documents[0]?.value;
  } else if (type === PROTOBUF) {
    value = decodeProtobuf(raw);
  } else if (type === 'application/json' || type.endsWith('+json') || type === '') {
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new KubeApiError(
        failure(
          'BadRequest',
          `the request body is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
        ),
        { cause },
      );
    }
  } else {
    refuse(
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    refuse('BadRequest', 'the request body must be a JSON object');
  return value as Record<string, unknown>;
}

export function sendObject(
  res: ServerResponse,
  code: number,
  body: unknown,
  warnings: readonly string[] = [],
): void {
  const data = JSON.stringify(body);
  const headers: Record<string, string | number | string[]> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(data),
    'cache-control': 'no-cache, private',
  };
  if (warnings.length > 0) headers.warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(data);
}

export function sendStatus(res: ServerResponse, status: Status): void {
  if (res.headersSent) {
    // A watch already streaming: its last event is an ERROR with the Status.
    if (!res.writableEnded) res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
    return;
  }
  sendObject(res, status.code, status);
}
