// Waiting for services: polling with a deadline, HTTP probes and free ports.
import fs from 'node:fs';
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

/**
 * Where the ports a stack listens on are picked: below the kernel's ephemeral range. A port from
 * that range (what listen(0) hands out) can be taken, between picking it and listening on it, as
 * the local port of any outgoing connection on the machine: a test stack's web app found its port
 * so taken when it started last (a CI-like run, 2026-12-04). Outgoing connections never use a
 * port below it.
 */
const PICK_FROM = 10_000;
/** Ports handed out by this process, never handed out twice (a stack's services are picked one after another). */
const handedOut = new Set();

/** The first port of the kernel's ephemeral range (Linux: 32768 unless configured). */
function ephemeralLow() {
  try {
    const [low] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > PICK_FROM + 1000) return low;
  } catch {
    // not Linux: IANA's dynamic range starts at 49152, Linux's default at 32768
  }
  return 32_768;
}

/** A port free right now, below the ephemeral range and not handed out before by this process. */
export async function freePort(host = '127.0.0.1') {
  const high = ephemeralLow();
  for (let tries = 0; tries < 200; tries++) {
    const port = PICK_FROM + Math.floor(Math.random() * (high - PICK_FROM));
    if (handedOut.has(port) || !(await portFree(port, host))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found between ${PICK_FROM} and ${high} after 200 tries`);
}
