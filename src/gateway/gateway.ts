import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  FunctionProxy,
  Metrics,
  checkBasicAuth,
  parseFunctionPath,
  readBody,
  guarded,
  validateName,
  type FunctionStatus,
} from '../provider/index.js';
import type { Credentials } from '../provider/index.js';
import type { AsyncQueue, QueuedRequest } from '../queue-worker/index.js';
import type { Scaler } from './scaler.js';
import { createPortal } from '../ui/index.js';

export interface GatewayDeps {
  providerHost: string;
  providerPort: number;
  credentials: Credentials;
  scaler: Scaler;
  queue: AsyncQueue | undefined;
  log: Logger;
  defaultNamespace: string;
  /** Prometheus base URL, for invocationCount in GET /system/functions. */
  prometheusUrl: string | undefined;
  upstreamTimeoutMs: number;
  asyncBodyLimit: number;
}

function callbackUrlOf(req: IncomingMessage): string | undefined {
  const raw = req.headers['x-callback-url'];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw[0] : raw;
  try {
    const u = new URL(value ?? '');
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    return u.toString();
  } catch {
    throw new InvalidArgumentError(
      'X-Callback-Url',
      `X-Callback-Url ${JSON.stringify(value)} is not an http(s) URL`,
    );
  }
}

/** The gateway: /system forwarded to the provider (auth checked here), sync and async invoke, metrics. */
export function createGatewayHandler(d: GatewayDeps): {
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): void;
} {
  const proxy = new FunctionProxy(d.upstreamTimeoutMs);
  const metrics = new Metrics();
  const replicas = new Map<string, number>();
  const provider = { host: d.providerHost, port: d.providerPort };
  const { credentials, log, prometheusUrl, defaultNamespace } = d;
  const portal = createPortal({ credentials, log, prometheusUrl, defaultNamespace, asyncEnabled: !!d.queue });

  const invocationCounts = async (): Promise<Map<string, number>> => {
    const counts = new Map<string, number>();
    if (!d.prometheusUrl) return counts;
    try {
      const q = encodeURIComponent('sum by (function_name) (gateway_function_invocation_total)');
      const res = await fetch(`${d.prometheusUrl}/api/v1/query?query=${q}`, {
        signal: AbortSignal.timeout(2000),
      });
      const body = (await res.json()) as {
        data?: { result?: { metric: { function_name?: string }; value: [number, string] }[] };
      };
      for (const r of body.data?.result ?? [])
        if (r.metric.function_name) counts.set(r.metric.function_name, Number(r.value[1]));
    } catch (err) {
      d.log.warn('prometheus query failed; invocationCount left at 0', { error: (err as Error).message });
    }
    return counts;
  };

  /** GET /system/functions: the provider's list with invocationCount from Prometheus. */
  const listFunctions = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const upstream = await fetch(`http://${provider.host}:${provider.port}${url.pathname}${url.search}`, {
      headers: { Authorization: req.headers.authorization ?? '' },
      signal: AbortSignal.timeout(d.upstreamTimeoutMs),
    });
    const text = await upstream.text();
    if (!upstream.ok) {
      res
        .writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'text/plain' })
        .end(text);
      return;
    }
    const fns = JSON.parse(text) as FunctionStatus[];
    const counts = await invocationCounts();
    for (const f of fns) {
      const key = `${f.name}.${f.namespace ?? d.defaultNamespace}`;
      f.invocationCount = counts.get(key) ?? 0;
      replicas.set(key, f.replicas);
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(fns));
  };

  const target = (url: URL, name: string, ns: string, rest: string) => ({
    ...provider,
    path: `/function/${name}.${ns}${rest}${url.search}`,
    fn: name,
  });

  const invoke = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const { name, namespace, rest } = parseFunctionPath(url.pathname, '/function/');
    validateName('function', name);
    const ns = namespace ?? d.defaultNamespace;
    validateName('namespace', ns);
    const started = process.hrtime.bigint();
    let code = 500;
    try {
      await d.scaler.ensureReady(name, ns);
      code = await proxy.forward(req, res, target(url, name, ns, rest));
      if (code === 503) d.scaler.invalidate(name, ns);
    } catch (err) {
      code = err instanceof NotFoundError ? 404 : 502;
      throw err;
    } finally {
      metrics.observe(`${name}.${ns}`, code, Number(process.hrtime.bigint() - started) / 1e9);
      portal.observe(`${name}.${ns}`, code);
    }
  };

  const enqueue = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const { name, namespace, rest } = parseFunctionPath(url.pathname, '/async-function/');
    validateName('function', name);
    const ns = namespace ?? d.defaultNamespace;
    validateName('namespace', ns);
    const callbackUrl = callbackUrlOf(req);
    if (!d.queue) throw new NotFoundError('route', '/async-function (no NATS configured)');
    const body = await readBody(req, d.asyncBodyLimit);
    const callId = randomUUID();
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && k !== 'authorization') headers[k] = v;
    const queued: QueuedRequest = {
      callId,
      function: name,
      namespace: ns,
      method: req.method ?? 'POST',
      path: rest,
      query: url.search,
      headers,
      body: body.toString('base64'),
      ...(callbackUrl ? { callbackUrl } : {}),
      queuedAt: new Date().toISOString(),
    };
    await d.queue.enqueue(queued);
    d.log.info('queued async invocation', { function: `${name}.${ns}`, call_id: callId });
    res.writeHead(202, { 'X-Call-Id': callId }).end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const path = url.pathname;
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK\n');
      return;
    }
    if (path === '/metrics') {
      const gauges = [...replicas].map(([fn, n]) => `gateway_service_count{function_name="${fn}"} ${n}`);
      const text =
        metrics.render('gateway') +
        '# TYPE gateway_service_count gauge\n' +
        gauges.join('\n') +
        (gauges.length ? '\n' : '');
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(text);
      return;
    }
    if (path.startsWith('/function/')) return invoke(req, res, url);
    if (path.startsWith('/async-function/')) return enqueue(req, res, url);
    if (path.startsWith('/system/')) {
      checkBasicAuth(req.headers.authorization, d.credentials);
      if (req.method === 'GET' && path === '/system/functions') return listFunctions(req, res, url);
      const m = /^\/system\/scale-function\/([^/]+)$/.exec(path);
      if (m?.[1]) d.scaler.invalidate(decodeURIComponent(m[1]));
      await proxy.forward(req, res, { ...provider, path: path + url.search, fn: 'provider' });
      return;
    }
    if (portal.owns(path)) return portal.serve(req, res, url);
    throw new NotFoundError('route', path);
  };

  return {
    handle: guarded(handle, d.log),
    close: () => proxy.close(),
  };
}
