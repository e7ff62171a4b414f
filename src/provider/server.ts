import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { NotFoundError, FaasdError } from '../errors.js';
import { parseRequestUrl } from '../http/index.js';
import { checkBasicAuth, type Credentials } from './auth.js';
import { guarded } from './http-errors.js';
import { Router, send } from './router.js';
import { systemRoutes, type RouteDeps } from './routes.js';
import { FunctionProxy, NoReadyReplicaError, UpstreamError, parseFunctionPath } from './proxy.js';
import type { Resolver } from './resolver.js';
import { validateName } from './validate.js';
import { Metrics } from './metrics.js';

export interface ProviderServerDeps extends RouteDeps {
  credentials: Credentials;
  resolver: Pick<Resolver, 'resolve' | 'invalidate'> & Partial<Pick<Resolver, 'track'>>;
  /** Replicas per function and autoscaler decisions (scale-metrics.ts), appended to /metrics. */
  scaleMetrics?: { render(): string };
  log: Logger;
  bodyLimit?: number;
  upstreamTimeoutMs?: number;
  /** The port functions' watchdogs listen on. */
  functionPort?: number;
  /** Connections open to one function at once (its own pool). */
  functionMaxConnections?: number;
}

class MethodNotAllowedError extends FaasdError {
  constructor(method: string, path: string) {
    super('invalid', `method ${method} is not allowed on ${path}`);
  }
}

export interface ProviderHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): void;
}

/** How long a namespace found to be a function namespace is taken as one without asking containerd. */
const USABLE_NAMESPACE_MS = 5000;

/** The provider's request handler: /system (basic auth), /function (invoke), /healthz, /metrics. */
export function createProviderHandler(d: ProviderServerDeps): ProviderHandler {
  const router = new Router(d.bodyLimit ?? 1024 * 1024);
  systemRoutes(router, d);
  const proxy = new FunctionProxy(d.upstreamTimeoutMs ?? 60_000, {
    ...(d.functionMaxConnections ? { socketsPerKey: d.functionMaxConnections } : {}),
  });
  const metrics = new Metrics();
  const port = d.functionPort ?? 8080;
  // Only namespaces that passed assertUsable are remembered, so the map is as small as the real ones.
  const usable = new Map<string, number>();

  const endpoint = async (name: string, ns: string, suspect = false): Promise<string> => {
    const host = await d.functions.endpoint(name, ns, suspect);
    if (!host) throw new NoReadyReplicaError(name);
    return host;
  };

  /**
   * Invocations reach function namespaces only: the resolver finds any running task, so without this
   * `/function/gateway.openfaas/...` reached the core gateway (issue #17 item 9). A 400, as the gateway.
   */
  const assertFunctionNamespace = async (ns: string): Promise<void> => {
    if ((usable.get(ns) ?? 0) > Date.now()) return;
    await d.namespaces.assertUsable(ns);
    usable.set(ns, Date.now() + USABLE_NAMESPACE_MS);
  };

  const invoke = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const { name, namespace, rest } = parseFunctionPath(url.pathname, '/function/');
    validateName('function', name);
    const ns = namespace ?? d.namespaces.defaultNamespace;
    await assertFunctionNamespace(ns);
    const started = process.hrtime.bigint();
    const target = (host: string) => ({
      host,
      port,
      path: rest + url.search,
      fn: name,
      pool: `${ns}/${name}`,
    });
    // Counted in flight per replica: the balancer's and the autoscaler's input (balancer.ts).
    const forward = (host: string) => {
      const run = () => proxy.forward(req, res, target(host));
      return d.resolver.track ? d.resolver.track(ns, name, host, run) : run();
    };
    const cached = await d.resolver.resolve(ns, name);
    const first = cached ?? (await endpoint(name, ns)); // throws for a function that does not exist
    let code = 500;
    try {
      try {
        code = await forward(first);
      } catch (err) {
        // The task behind the address just died (containerd may not know yet): look again, restarting it
        // when it is gone, and send once more.
        if (!(err instanceof UpstreamError && err.beforeRequest)) throw err;
        d.resolver.invalidate(ns, name);
        code = await forward(await endpoint(name, ns, true));
      }
    } catch (err) {
      code = err instanceof FaasdError ? err.status : 500;
      throw err;
    } finally {
      metrics.observe(`${name}.${ns}`, code, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = parseRequestUrl(req.url, 'http://provider');
    if (url.pathname.startsWith('/function/')) return invoke(req, res, url);
    if (url.pathname === '/healthz') return send(res, { status: 200, text: 'OK\n' });
    if (url.pathname === '/metrics') {
      res
        .writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' })
        .end(metrics.render() + (d.scaleMetrics?.render() ?? ''));
      return;
    }
    if (!url.pathname.startsWith('/system/')) throw new NotFoundError('route', url.pathname);
    checkBasicAuth(req.headers.authorization, d.credentials);
    const m = router.match(req.method ?? 'GET', url.pathname);
    if (m === undefined) throw new NotFoundError('route', url.pathname);
    if (m === 'method') throw new MethodNotAllowedError(req.method ?? '', url.pathname);
    const reply = await m.handler(router.request(req, res, url, m.params));
    if (reply) send(res, reply);
  };

  return {
    handle: guarded(handle, d.log),
    close: () => proxy.close(),
  };
}
