import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import express from 'express';
import { gatherBodyChunks } from './body-chunks';

/** Sends `body` with chunked encoding, `chunkBytes` per chunk, over a plain socket; resolves with the answer's body. */
function sendChunked(port: number, path: string, body: Buffer, chunkBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [
      Buffer.from(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      ),
    ];
    for (let at = 0; at < body.length; at += chunkBytes) {
      const chunk = body.subarray(at, at + chunkBytes);
      parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    const answer: Buffer[] = [];
    socket.on('data', (data) => answer.push(data));
    socket.on('end', () => resolve(Buffer.concat(answer).toString('utf8').split('\r\n\r\n').slice(1).join('\r\n\r\n')));
    socket.on('error', reject);
    socket.end(Buffer.concat(parts));
  });
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A server that reads each body as a stream and answers how many pieces it came in, and the body. */
function countingServer(gather: boolean): http.Server {
  return http.createServer((req: IncomingMessage, res) => {
    if (gather) gatherBodyChunks(req);
    const pieces: Buffer[] = [];
    req.on('data', (piece: Buffer) => pieces.push(piece));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ pieces: pieces.length, body: Buffer.concat(pieces).toString('base64') }));
    });
  });
}

describe('a request body sent in tiny chunks', () => {
  const body = randomBytes(64 * 1024 + 5);

  test.each([
    ['1-byte chunks', 1, 6],
    ['7-byte chunks', 7, 6],
    ['chunks larger than a block', 40_000, 3],
  ])('reaches the reader whole, in blocks of 16 KiB at most as many pieces: %s', async (_name, chunkBytes, most) => {
    const server = countingServer(true);
    try {
      const answer = JSON.parse(await sendChunked(await listen(server), '/', body, chunkBytes));
      expect(Buffer.from(answer.body, 'base64').equals(body)).toBe(true);
      expect(answer.pieces).toBeLessThanOrEqual(most);
    } finally {
      server.close();
    }
  });

  test('without gathering, the reader gets one piece for each chunk (what cost ~190 bytes of heap a byte)', async () => {
    const server = countingServer(false);
    try {
      const answer = JSON.parse(await sendChunked(await listen(server), '/', body.subarray(0, 4096), 1));
      expect(answer.pieces).toBeGreaterThan(1000);
    } finally {
      server.close();
    }
  });

  test("express.json parses a body gathered so, as the API's first middleware does", async () => {
    const app = express();
    app.use((req, _res, next) => {
      gatherBodyChunks(req);
      next();
    });
    app.use(express.json({ limit: '256kb' }));
    app.post('/echo', (req, res) => {
      res.json(req.body);
    });
    const server = http.createServer(app);
    try {
      const sent = { description: '中文'.repeat(20_000), metadata: { order: 'o-1' } };
      const answer = await sendChunked(await listen(server), '/echo', Buffer.from(JSON.stringify(sent)), 1);
      expect(JSON.parse(answer)).toEqual(sent);
    } finally {
      server.close();
    }
  });
});
