import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { NotFoundError, FaasdError } from '../errors.js';
import {
  Metrics,
  Router,
  checkBasicAuth,
  guarded,
  parseFunctionPath,
  parseRequestTarget,
  parseRequestUrl,
  send,
  type Credentials,
  type RequestTarget,
} from '../http/index.js';
import { systemRoutes, type RouteDeps } from './routes.js';
import { FunctionInvoker, type InvokerDeps } from './invoke.js';
import { validateName } from './validate.js';

export interface ProviderServerDeps extends RouteDeps, Omit<InvokerDeps, 'functions' | 'namespaces'> {
  credentials: Credentials;
  /** Replicas per function and autoscaler decisions (scale-metrics.ts), appended to /metrics. */
  scaleMetrics?: { render(): string };
  log: Logger;
  bodyLimit?: number;
}

class MethodNotAllowedError extends FaasdError {
  constructor(method: string, path: string) {
    super('invalid', `method ${method} is not allowed on ${path}`);
  }
}

export interface ProviderHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /**
   * A /system request whose credentials the caller has checked (the in-process gateway): throws what
   * `handle` would answer, so the caller maps it with its own error handling.
   */
  system(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** Invocations straight to a function's replica (the in-process gateway uses the same pools). */
  invoker: FunctionInvoker;
  close(): void;
}

const BASE = 'http://provider';

/** The provider's request handler: /system (basic auth), /function (invoke), /healthz, /metrics. */
export function createProviderHandler(d: ProviderServerDeps): ProviderHandler {
  const router = new Router(d.bodyLimit ?? 1024 * 1024);
  systemRoutes(router, d);
  const invoker = new FunctionInvoker(d);
  const metrics = new Metrics();

  // The hot path, as the gateway's: no URL object for a plain target, no promise for a namespace
  // checked lately (an unknown one is refused before it could make a metric series).
  const invoke = async (req: IncomingMessage, res: ServerResponse, url: RequestTarget): Promise<void> => {
    const { name, namespace, rest } = parseFunctionPath(url.pathname, '/function/');
    validateName('function', name);
    const ns = namespace ?? d.namespaces.defaultNamespace;
    if (!invoker.knownUsable(ns)) await invoker.assertFunctionNamespace(ns);
    const started = process.hrtime.bigint();
    let code = 500;
    try {
      code = await invoker.invoke(req, res, { name, namespace: ns, path: rest + url.search });
    } catch (err) {
      code = err instanceof FaasdError ? err.status : 500;
      throw err;
    } finally {
      metrics.observe(`${name}.${ns}`, code, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };

  const system = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const m = router.match(req.method ?? 'GET', url.pathname);
    if (m === undefined) throw new NotFoundError('route', url.pathname);
    if (m === 'method') throw new MethodNotAllowedError(req.method ?? '', url.pathname);
    const reply = await m.handler(router.request(req, res, url, m.params));
    if (reply) send(res, reply);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = parseRequestTarget(req.url, BASE);
    if (target.pathname.startsWith('/function/')) return invoke(req, res, target);
    if (target.pathname === '/healthz') return send(res, { status: 200, text: 'OK\n' });
    const url = target instanceof URL ? target : parseRequestUrl(req.url, BASE);
    if (url.pathname === '/metrics') {
      res
        .writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' })
        .end(metrics.render() + (d.scaleMetrics?.render() ?? ''));
      return;
    }
    if (!url.pathname.startsWith('/system/')) throw new NotFoundError('route', url.pathname);
    checkBasicAuth(req.headers.authorization, d.credentials);
    return system(req, res, url);
  };

  return {
    handle: guarded(handle, d.log),
    system,
    invoker,
    close: () => invoker.close(),
  };
}
