import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomToken } from '../domain/ids';
import { AppError, errorBody } from './errors';

/**
 * The server's `clientError` listener: a request Node's HTTP parser refuses (an unknown or
 * lower-case method, a control character in a header, headers past 16 KB) never reaches Express,
 * and Node would answer a bare 400 with no body. It gets API.md's error body and a Request-Id,
 * as every other error does.
 */
export function answerUnparsableRequest(error: Error & { code?: string }, socket: Duplex): void {
  // The rest of a request already answered, still arriving: each chunk fails to parse again. It is
  // read and dropped until the linger ends (lingerThenClose).
  if (answered.has(socket)) return;
  // A response already under way on this connection (a pipelined request) cannot be followed by
  // another status line: close it, as Node's own handler does.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const requestId = `req_${randomToken(16)}`;
  const body = JSON.stringify(
    errorBody(
      new AppError(
        'invalid_request_error',
        'request_malformed',
        `The request is not valid HTTP/1.1 (${error.code ?? 'unreadable'}).`,
        null,
        { status },
      ),
      requestId,
    ),
  );
  answered.add(socket);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nRequest-Id: ${requestId}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
  lingerThenClose(socket);
}

/**
 * How long the rest of an answered request is read and dropped before the connection is closed.
 * Closed at once, the connection is reset by the request's next bytes, and a reset can discard the
 * answer before the client has read it: a client sending 300 KB under a lower-case method got
 * EPIPE, not its 400 (the fuzzer, 2026-12-04). This is nginx's lingering close.
 */
export const LINGER_MS = 5_000;
const answered = new WeakSet<Duplex>();

function lingerThenClose(socket: Duplex): void {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
