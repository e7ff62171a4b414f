import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { FaasdError } from '../errors.js';
import { AgentPool, POOL_DEFAULTS, type PoolOptions } from './pool.js';

export class UpstreamError extends FaasdError {
  constructor(
    readonly fn: string,
    reason: string,
    /** Failed before the function could have acted on it (nothing of the body read, or no body and no answer): safe to send again. */
    readonly beforeRequest = false,
    options?: ErrorOptions,
  ) {
    super('integrity', `function ${fn} could not be reached: ${reason}`, options);
  }
}

export class NoReadyReplicaError extends FaasdError {
  constructor(readonly fn: string) {
    super('unavailable', `function ${fn} has no ready replica (scaled to zero?)`);
  }
}

/** The client went away before its answer was complete; the upstream request was aborted with it. */
export class ClientClosedError extends FaasdError {
  constructor(readonly fn: string) {
    super('client-closed', `the client of ${fn} closed the connection before the answer`);
  }
}

export interface ProxyTarget {
  host: string;
  port: number;
  path: string;
  /** For messages: the function's name. */
  fn: string;
  /** Which connection pool: namespace/name for a function (never its address, which an update changes). */
  pool: string;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

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

export function forwardHeaders(h: IncomingMessage['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

/**
 * Streams a request to a function and its response back, over kept-alive connections from that
 * function's own pool. A client that goes away aborts the upstream request, so its connection is freed.
 */
export class FunctionProxy {
  readonly pools: AgentPool;

  constructor(
    private readonly timeoutMs: number,
    pool: Partial<PoolOptions> = {},
  ) {
    this.pools = new AgentPool({ ...POOL_DEFAULTS, ...pool });
  }

  forward(req: IncomingMessage, res: ServerResponse, target: ProxyTarget): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const up = httpRequest(
        {
          host: target.host,
          port: target.port,
          method: req.method,
          path: target.path,
          headers: { ...forwardHeaders(req.headers), 'x-forwarded-host': req.headers.host ?? '' },
          agent: this.pools.get(target.pool),
          timeout: this.timeoutMs,
        },
        (upRes) => {
          answered = true;
          res.writeHead(upRes.statusCode ?? 502, forwardHeaders(upRes.headers));
          upRes.pipe(res);
          upRes.on('end', () => resolve(upRes.statusCode ?? 502));
          upRes.on('error', (e) => fail(new UpstreamError(target.fn, e.message, false, { cause: e })));
        },
      );
      // The body is read only once the connection stands, so a refused connect leaves it unread. A request
      // without a body that got no answer (a reset from a dying process) can be sent again as well.
      let piped = false;
      let answered = false;
      let clientGone = false;
      const fail = (err: Error) => reject(clientGone ? new ClientClosedError(target.fn) : err);
      const bodiless =
        req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] ?? '0') === '0';
      const pipeBody = () => {
        piped = true;
        req.pipe(up);
      };
      // 'close' before the response finished: the client hung up. Without this the upstream request (and
      // its pooled connection) would live on until the function answered.
      const onClientClose = () => {
        if (res.writableFinished) return;
        clientGone = true;
        up.destroy();
        reject(new ClientClosedError(target.fn));
      };
      res.once('close', onClientClose);
      up.once('close', () => res.off('close', onClientClose));
      up.on('socket', (sock) => (sock.connecting ? sock.once('connect', pipeBody) : pipeBody()));
      up.on('timeout', () => up.destroy(new Error(`no answer in ${this.timeoutMs} ms`)));
      up.on('error', (e) =>
        fail(new UpstreamError(target.fn, e.message, !piped || (bodiless && !answered), { cause: e })),
      );
    });
  }

  close(): void {
    this.pools.close();
  }
}
