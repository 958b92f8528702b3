/**
 * The codec endpoint of the Temporal Web UI (`temporal server start-dev --ui-codec-endpoint`): the
 * UI posts a history's encrypted payloads to `/decode` from the support person's browser and shows
 * what comes back, so histories stay readable while the server stores them encrypted.
 *
 *   POST /decode  {"payloads":[{"metadata":{"encoding":"<base64>"},"data":"<base64>"}]} → same shape
 *   POST /encode  the reverse (the UI encodes what staff send, e.g. a signal's input)
 *
 * Answers only the UI's origin (CORS) and listens on loopback by default: whoever reaches it can
 * decrypt, so in production it belongs behind the same sign-in as the UI.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EncryptionCodec, payloadFromJson, payloadToJson, type PayloadJson } from './payload-codec';

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface CodecServerOptions {
  payloadKey: string;
  /** The Web UI's origin, e.g. http://127.0.0.1:8233: the only origin whose browser calls are answered. */
  uiOrigin: string;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createCodecServer(options: CodecServerOptions): http.Server {
  const codec = new EncryptionCodec(options.payloadKey);
  const uiOrigin = options.uiOrigin.replace(/\/$/, '');
  return http.createServer(async (req, res) => {
    const origin = req.headers.origin;
    if (origin === uiOrigin) {
      res.setHeader('access-control-allow-origin', uiOrigin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.writeHead(origin === uiOrigin ? 204 : 403).end();
      return;
    }
    const route = req.url?.split('?')[0];
    if (req.method === 'GET' && route === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (req.method !== 'POST' || (route !== '/encode' && route !== '/decode')) {
      res.writeHead(404).end();
      return;
    }
    // A browser on another origin gets nothing: only the UI may use this decryption service.
    if (origin !== undefined && origin !== uiOrigin) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = JSON.parse(await readBody(req)) as { payloads?: PayloadJson[] };
      const payloads = (body.payloads ?? []).map(payloadFromJson);
      const result = route === '/encode' ? await codec.encode(payloads) : await codec.decode(payloads);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ payloads: result.map(payloadToJson) }));
    } catch (error) {
      const status = (error as { status?: number }).status ?? 400;
      // The reason only (a key mismatch, bad JSON), never a payload.
      res.writeHead(status, { 'content-type': 'text/plain' }).end((error as Error).name ?? 'Error');
    }
  });
}

async function main(): Promise<void> {
  const payloadKey = process.env.TONGBAO_PAYLOAD_KEY;
  if (!payloadKey) throw new Error('TONGBAO_PAYLOAD_KEY must be set');
  const uiOrigin = process.env.TEMPORAL_UI_ORIGIN ?? 'http://127.0.0.1:8233';
  const port = Number(process.env.CODEC_PORT ?? 8888);
  const server = createCodecServer({ payloadKey, uiOrigin });
  server.listen(port, process.env.CODEC_HOST ?? '127.0.0.1', () => {
    const { port: bound } = server.address() as AddressInfo;
    console.log(`codec server listening on http://127.0.0.1:${bound} for ${uiOrigin}`);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
}

if (require.main === module) {
  main().catch((error) => {
    console.error('codec server failed:', error);
    process.exit(1);
  });
}
