// Waiting for services: polling with a deadline, HTTP probes and free ports.
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `check` until it returns a truthy value. When `proc` is given and exits
 * first, fails at once with its last output lines instead of waiting for the deadline.
 */
export async function waitUntil(check, { what, timeoutMs = 60_000, intervalMs = 250, proc = null }) {
  const deadline = Date.now() + timeoutMs;
  let exit = null;
  proc?.exited.then((result) => (exit = result));
  for (;;) {
    if (exit) {
      const how = exit.error
        ? exit.error.message
        : `exited with code ${exit.code}${exit.signal ? ` (${exit.signal})` : ''}`;
      throw new Error(`${proc.name} ${how} while waiting for ${what}${proc.tail()}`);
    }
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${proc ? proc.tail() : ''}`,
      );
    }
    await delay(intervalMs);
  }
}

/** The HTTP status of a GET, or null when nothing answers. */
export async function httpStatus(url, { timeoutMs = 2_000, headers = {} } = {}) {
  const controller = new globalThis.AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { headers, signal: controller.signal });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

export async function httpOk(url) {
  return (await httpStatus(url)) === 200;
}

/** True when something accepts TCP connections on the port. */
export function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** True when we could listen on the port (so a service we start can, too). */
export function portFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel considers free right now (the test stack picks its ports this way). */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
