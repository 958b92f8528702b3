import fs from 'node:fs';
import net from 'node:net';

// The ports tests and the bench start their own processes on. scripts/lib/wait.mjs picks the
// stacks' ports the same way (scripts run before anything is built, so they cannot import this).

/**
 * Ports are picked below the kernel's ephemeral range. A port from that range (what listen(0)
 * hands out) can be taken, between picking it and listening on it, as the local port of any
 * outgoing connection on the machine, such as the one the process being started makes to
 * PostgreSQL before it listens: a test stack's web app found its port so taken (a CI-like run,
 * 2026-12-04).
 */
const PICK_FROM = 10_000;
/** Ports handed out by this process: never handed out twice. */
const handedOut = new Set<number>();

/** The first port of the kernel's ephemeral range (Linux: 32768 unless configured). */
function ephemeralLow(): number {
  try {
    const [low] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > PICK_FROM + 1000) return low;
  } catch {
    // not Linux: IANA's dynamic range starts at 49152, Linux's default at 32768
  }
  return 32_768;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port free right now on 127.0.0.1, below the ephemeral range and not handed out before by this process. */
export async function freePort(): Promise<number> {
  const high = ephemeralLow();
  for (let tries = 0; tries < 200; tries++) {
    const port = PICK_FROM + Math.floor(Math.random() * (high - PICK_FROM));
    if (handedOut.has(port) || !(await portFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found between ${PICK_FROM} and ${high} after 200 tries`);
}
