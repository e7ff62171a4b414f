import type { IncomingMessage, ServerResponse } from 'node:http';
import { Exchange, type BodyFraming } from './exchange.js';
import { ProxyPools, POOL_DEFAULTS, type PoolOptions } from './pool.js';
import { UpstreamError } from './proxy-errors.js';
import { requestHead } from './proxy-headers.js';

export interface ProxyTarget {
  host: string;
  port: number;
  path: string;
  /** For messages: the function's name. */
  fn: string;
  /** Which connection pool: namespace/name for a function (never its address, which an update changes). */
  pool: string;
  /** A hand-over to the gateway itself (proxy-headers.ts): Host and X-Forwarded-Host left as the client sent them. */
  relay?: boolean;
}

/** `/function/NAME[.NS][/rest]` → name, namespace and the path to forward. */
export function parseFunctionPath(
  path: string,
  prefix: string,
): { name: string; namespace: string | undefined; rest: string } {
  const after = path.slice(prefix.length);
  const slash = after.indexOf('/');
  const target = slash >= 0 ? after.slice(0, slash) : after;
  const rest = slash >= 0 ? after.slice(slash) : '/';
  const dot = target.indexOf('.');
  return dot >= 0
    ? { name: target.slice(0, dot), namespace: target.slice(dot + 1), rest }
    : { name: target, namespace: undefined, rest };
}

/** How the body goes out: none, with the client's Content-Length, or chunked by us (the client chunked it). */
function framing(req: IncomingMessage): BodyFraming {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined) return 'chunked';
  return length === undefined || length === '0' ? 'none' : 'length';
}

/** No whitespace or control character, which would break the request line (Node's parser refuses them too). */
function sendable(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return path.length > 0;
}

function hostHeader(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Streams a request to a function and its response back, over kept-alive connections from that
 * function's own pool. Our own HTTP/1.1 client (exchange.ts, response-parser.ts): undici's took most of
 * the gateway's CPU per invocation (issue #12; docs/field-notes.md). A client that goes away abandons
 * the upstream request, so its connection is freed.
 */
export class FunctionProxy {
  readonly pools: ProxyPools;

  constructor(
    private readonly timeoutMs: number,
    pool: Partial<Omit<PoolOptions, 'timeoutMs'>> = {},
  ) {
    this.pools = new ProxyPools({ ...POOL_DEFAULTS, ...pool, timeoutMs });
  }

  forward(req: IncomingMessage, res: ServerResponse, target: ProxyTarget): Promise<number> {
    if (!sendable(target.path))
      return Promise.reject(
        new UpstreamError(target.fn, `the path ${JSON.stringify(target.path)} cannot be sent`),
      );
    const entry = this.pools.get(target.pool, target.host, target.port);
    const body = framing(req);
    const head = requestHead(
      req,
      target.path,
      hostHeader(target.host, target.port),
      target.relay === true,
      body === 'chunked',
    );
    return new Promise<number>((resolve, reject) => {
      entry.inFlight++;
      const exchange = new Exchange(req, res, target.fn, head, body, this.timeoutMs, (err, status) => {
        entry.inFlight--;
        if (err) reject(err);
        else resolve(status);
      });
      exchange.start(entry.pool);
    });
  }

  close(): void {
    this.pools.close();
  }
}
