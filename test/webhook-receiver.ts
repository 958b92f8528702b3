import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

// A merchant's webhook endpoint in a test: an HTTP server on 127.0.0.1 recording what it receives.

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Endpoint {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

const servers: Endpoint[] = [];

/** A receiver; `answer` gives the status code of the n-th request (1-based). Closed after the file's tests. */
export async function startEndpoint(answer: (n: number) => number = () => 200): Promise<Endpoint> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      res.statusCode = answer(received.length);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint: Endpoint = {
    url: `http://127.0.0.1:${port}/hooks/tongbao`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  servers.push(endpoint);
  return endpoint;
}

afterAll(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
