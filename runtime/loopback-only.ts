/**
 * Refuses every TCP connection that would leave this machine. Loaded by jest (setupFiles) and,
 * through NODE_OPTIONS=--require, by every process of a test-mode stack, so that no test can reach
 * a real payment gateway, or anything else on the internet, by accident.
 */
import net from 'node:net';

/** Raised (as a socket error) when code under test tries to connect beyond the loopback interface. */
export class OutboundNetworkRefusedError extends Error {
  constructor(host: string) {
    super(`outbound network refused in tests: ${host} is not a loopback address`);
    this.name = 'OutboundNetworkRefusedError';
  }
}

export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (net.isIPv4(name)) return name.startsWith('127.');
  if (net.isIPv6(name)) return name === '::1' || name.startsWith('::ffff:127.');
  return false;
}

interface ConnectTarget {
  host?: string;
  path?: string;
}

/** Socket#connect's many call shapes: (options), ([options, cb]) from net.connect, (port, host), (path). */
function targetOf(args: unknown[]): ConnectTarget {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'object' && first !== null) return first as ConnectTarget;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { host: typeof args[1] === 'string' ? args[1] : undefined };
  }
  if (typeof first === 'string') return { path: first };
  return {};
}

const INSTALLED = Symbol.for('tongbao.loopbackOnly');

function install(): void {
  const socketPrototype = net.Socket.prototype as net.Socket & { [INSTALLED]?: true };
  if (socketPrototype[INSTALLED]) return;
  const connect = socketPrototype.connect;
  socketPrototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const target = targetOf(args);
    const host = target.host ?? 'localhost';
    if (!target.path && !isLoopbackHost(host)) {
      // Fail the way an unreachable host fails: asynchronously, as a socket error.
      process.nextTick(() => this.destroy(new OutboundNetworkRefusedError(host)));
      return this;
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof socketPrototype.connect;
  socketPrototype[INSTALLED] = true;
}

install();
