import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { InvalidArgumentError } from '../errors.js';

/**
 * What one client may hold of an HTTP server (issue #17 item 3: ~1,100 slow partial-header connections
 * took every file descriptor). Node's own defaults are 60 s for the headers, 300 s for the request,
 * no connection cap, and its timeouts are only checked every 30 s.
 */
export interface ServerLimits {
  /** From accept to the end of the request headers. */
  headersTimeoutMs: number;
  /**
   * From accept to the end of the request body. It does not cover the response: a log follow or a long
   * invocation that answers slowly is not cut by it (the proxy's upstream timeout bounds those).
   */
  requestTimeoutMs: number;
  /** How long an idle kept-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** Open connections; one more is closed at once (0: derived from the file-descriptor limit). */
  maxConnections: number;
}

export const SERVER_LIMIT_DEFAULTS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
  // Longer than the idle timeout of a load balancer in front (AWS ALB: 60 s), so we never close first.
  keepAliveTimeoutMs: 65_000,
  maxConnections: 0,
};

/** Descriptors kept free for upstream connections, log files, containerd's socket and the like. */
const FD_RESERVE = 64;
const MAX_DERIVED_CONNECTIONS = 8192;

/**
 * Half of what is left of the soft RLIMIT_NOFILE (from /proc/self/limits' text): every proxied request
 * holds one descriptor for the client and one for the function, so the server never runs out itself.
 */
export function connectionsForFdLimit(procLimits: string): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(procLimits);
  const soft = m?.[1] === undefined || m[1] === 'unlimited' ? Infinity : Number(m[1]);
  return Math.max(16, Math.min(MAX_DERIVED_CONNECTIONS, Math.floor((soft - FD_RESERVE) / 2)));
}

function readProcLimits(): string {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return ''; // not Linux: the derived cap's upper bound applies
  }
}

/** An http.Server with `limits` applied; the one place both the provider and the gateway build theirs. */
export function createLimitedServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  limits: ServerLimits,
  procLimits: () => string = readProcLimits,
): Server {
  // Node refuses a headers timeout above the request timeout at createServer; say which setting is wrong.
  if (limits.requestTimeoutMs > 0 && limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new InvalidArgumentError(
      'httpHeadersTimeoutMs',
      `httpHeadersTimeoutMs ${limits.headersTimeoutMs} must not exceed httpRequestTimeoutMs ${limits.requestTimeoutMs}`,
    );
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default), so it bounds their precision.
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
      ),
    },
    handle,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections || connectionsForFdLimit(procLimits());
  return server;
}
