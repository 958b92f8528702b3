/**
 * HTTP/1.1 over a plain socket. The fuzzer writes requests byte for byte (duplicate headers,
 * control characters, methods and paths that fetch and node:http refuse to send), and from an
 * address of its choosing in 127.0.0.0/8, so that per-IP rate limits see many callers.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** One request, exactly as it goes on the wire. */
export interface RawRequest {
  method: string;
  /** Path and query, not encoded further. */
  target: string;
  /** In order; names may repeat. Host, Content-Length and Connection are added when absent. */
  headers: [string, string][];
  body: Buffer | null;
}

export interface RawResponse {
  status: number;
  /** Lower-case names; a repeated header's values joined by ", ". */
  headers: Record<string, string>;
  body: Buffer;
  ms: number;
}

const hasHeader = (headers: [string, string][], name: string) =>
  headers.some(([key]) => key.toLowerCase() === name.toLowerCase());

export function encodeRequest(request: RawRequest, host: string): Buffer {
  const headers = [...request.headers];
  if (!hasHeader(headers, 'host')) headers.unshift(['Host', host]);
  if (request.body && !hasHeader(headers, 'content-length') && !hasHeader(headers, 'transfer-encoding'))
    headers.push(['Content-Length', String(request.body.length)]);
  headers.push(['Connection', 'close']);
  const head = `${request.method} ${request.target} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), request.body ?? Buffer.alloc(0)]);
}

/** Sends one request on a new connection and reads the answer until the server closes it. */
export function sendRaw(
  baseUrl: URL,
  request: RawRequest,
  options: { localAddress?: string; timeoutMs: number },
): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: baseUrl.hostname,
      port: Number(baseUrl.port || 80),
      localAddress: options.localAddress,
    });
    const chunks: Buffer[] = [];
    socket.setTimeout(options.timeoutMs, () => socket.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    socket.on('connect', () => socket.write(encodeRequest(request, baseUrl.host)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    let failed: Error | null = null;
    // A server refusing a body too large answers before reading it and closes: the client, still
    // writing, may get a reset after the answer arrived. The answer counts; the reset alone does not.
    socket.on('error', (error) => (failed = error));
    socket.on('close', () => {
      try {
        resolve({
          ...parseResponse(Buffer.concat(chunks), request.method === 'HEAD'),
          ms: performance.now() - started,
        });
      } catch (error) {
        reject(failed ?? error);
      }
    });
  });
}

function parseResponse(raw: Buffer, head: boolean): Omit<RawResponse, 'ms'> {
  // Interim answers (100 Continue to `Expect: 100-continue`) come before the real one.
  while (/^HTTP\/1\.[01] 1\d\d/.test(raw.subarray(0, 12).toString('latin1')) && raw.indexOf('\r\n\r\n') >= 0)
    raw = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`incomplete answer (${raw.length} bytes): ${JSON.stringify(raw.toString('latin1'))}`);
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = head ? Buffer.alloc(0) : raw.subarray(end + 4);
  if (!head && /chunked/i.test(headers['transfer-encoding'] ?? '')) body = unchunk(body);
  return { status: Number(match[1]), headers, body };
}

function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) throw new Error('truncated chunked body');
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) throw new Error('malformed chunk size');
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
