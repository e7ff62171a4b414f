import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { ForwardHandler, relayHeaders, requestHeaders } from './forward-handler.js';
import { ProxyPools, POOL_DEFAULTS, type PoolOptions } from './pool.js';
import { RequestBody } from './request-body.js';

export interface ProxyTarget {
  host: string;
  port: number;
  path: string;
  /** For messages: the function's name. */
  fn: string;
  /** Which connection pool: namespace/name for a function (never its address, which an update changes). */
  pool: string;
  /** A hand-over to the gateway itself (relayHeaders): Host and X-Forwarded-Host left as the client sent them. */
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

/** No body to send: undici then needs no stream (and the request can be sent again after a reset). */
function bodiless(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/**
 * Streams a request to a function and its response back, over kept-alive connections from that
 * function's own pool (undici's dispatcher: about twice the throughput of node:http's client here,
 * issue #12). A client that goes away aborts the upstream request, so its connection is freed.
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
    const entry = this.pools.get(target.pool, target.host, target.port);
    const body = bodiless(req) ? null : new RequestBody(req);
    return new Promise<number>((resolve, reject) => {
      entry.inFlight++;
      const handler = new ForwardHandler(req, res, target.fn, body, this.timeoutMs, (err, status) => {
        entry.inFlight--;
        if (err) reject(err);
        else resolve(status);
      });
      entry.pool.dispatch(
        {
          path: target.path,
          method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
          headers: target.relay ? relayHeaders(req) : requestHeaders(req),
          body,
        },
        handler,
      );
    });
  }

  close(): void {
    this.pools.close();
  }
}
