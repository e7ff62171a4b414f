import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaasdError, InvalidArgumentError, NotFoundError } from '../errors.js';
import {
  Metrics,
  checkBasicAuth,
  guarded,
  parseFunctionPath,
  parseRequestTarget,
  parseRequestUrl,
  readBody,
  type Credentials,
  type RequestTarget,
  type SeriesDelta,
} from '../http/index.js';
import type { Logger } from '../log.js';
import { validateName, type FunctionStatus } from '../provider/index.js';
import type { AsyncQueue, QueuedRequest } from '../queue/index.js';
import type { FunctionBackend } from './backend.js';
import type { Scaler } from './scaler.js';
import { createPortal, type CoreService } from '../ui/index.js';

export interface GatewayDeps {
  /** The provider: in-process in the daemon, over HTTP for a separate gateway. */
  backend: FunctionBackend;
  credentials: Credentials;
  scaler: Pick<Scaler, 'ensureReady' | 'invalidate'> & Partial<Pick<Scaler, 'isReady'>>;
  queue: Pick<AsyncQueue, 'enqueue'> | undefined;
  log: Logger;
  defaultNamespace: string;
  /**
   * Prometheus base URL, for invocationCount in GET /system/functions; a function when it is looked up
   * per query (the daemon: the prometheus container's address, which a restart may change).
   */
  prometheusUrl: string | undefined | (() => Promise<string | undefined>);
  asyncBodyLimit: number;
  /** Bound on the invocation metric series (default metrics.ts's). */
  maxMetricSeries?: number;
  /** More Prometheus text for /metrics (cron triggers' counters). */
  extraMetrics?: () => string;
  /** The compose services' state for the portal's System view (the daemon's gateway only). */
  services?: () => Promise<CoreService[]>;
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

const BASE = 'http://gateway';

/** The gateway: /system to the provider (auth checked here), sync and async invoke, metrics. */
export function createGatewayHandler(deps: GatewayDeps): {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Invocations the data-path thread served (data-batch.ts): into /metrics and the portal's charts. */
  merge(deltas: readonly SeriesDelta[]): void;
  /** Invocations this handler has served (sync), a counter: the data-path thread's trigger reads it. */
  invocations(): number;
  close(): void;
} {
  const metrics = new Metrics(deps.maxMetricSeries);
  // One gauge per function the list has shown; bounded by the functions that exist.
  const replicas = new Map<string, number>();
  const { credentials, log, prometheusUrl, defaultNamespace } = deps;
  const portal = createPortal({
    credentials,
    log,
    prometheusUrl,
    defaultNamespace,
    asyncEnabled: !!deps.queue,
    ...(deps.services ? { services: deps.services } : {}),
  });

  const invocationCounts = async (): Promise<Map<string, number>> => {
    const counts = new Map<string, number>();
    const base = typeof deps.prometheusUrl === 'function' ? await deps.prometheusUrl() : deps.prometheusUrl;
    if (!base) return counts;
    try {
      const q = encodeURIComponent('sum by (function_name) (gateway_function_invocation_total)');
      const res = await fetch(`${base}/api/v1/query?query=${q}`, {
        signal: AbortSignal.timeout(2000),
      });
      const body = (await res.json()) as {
        data?: { result?: { metric: { function_name?: string }; value: [number, string] }[] };
      };
      for (const r of body.data?.result ?? [])
        if (r.metric.function_name) counts.set(r.metric.function_name, Number(r.value[1]));
    } catch (err) {
      deps.log.warn('prometheus query failed; invocationCount left at 0', { error: (err as Error).message });
    }
    return counts;
  };

  /** GET /system/functions: the provider's list with invocationCount from Prometheus. */
  const listFunctions = async (res: ServerResponse, url: URL): Promise<void> => {
    const ns = url.searchParams.get('namespace') || deps.defaultNamespace;
    validateName('namespace', ns);
    // Both at once: each takes longer with more functions, and neither needs the other.
    const [fns, counts]: [FunctionStatus[], Map<string, number>] = await Promise.all([
      deps.backend.list(ns),
      invocationCounts(),
    ]);
    for (const f of fns) {
      const key = `${f.name}.${f.namespace ?? deps.defaultNamespace}`;
      f.invocationCount = counts.get(key) ?? 0;
      replicas.set(key, f.replicas);
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(fns));
  };

  const statusOf = (err: unknown) => (err instanceof FaasdError ? err.status : 500);

  // The hot path: every check answers from memory when it can (scaler.isReady), no URL object is built
  // for a plain target (parseRequestTarget), and the metric label is made once.
  let invocations = 0;
  const invoke = async (req: IncomingMessage, res: ServerResponse, url: RequestTarget): Promise<void> => {
    invocations++;
    const { name, namespace, rest } = parseFunctionPath(url.pathname, '/function/');
    validateName('function', name);
    const ns = namespace ?? deps.defaultNamespace;
    validateName('namespace', ns);
    const fn = `${name}.${ns}`;
    const started = performance.now();
    const record = (code: number) => metrics.observe(fn, code, (performance.now() - started) / 1000);
    if (!deps.scaler.isReady?.(name, ns)) {
      try {
        await deps.scaler.ensureReady(name, ns);
      } catch (err) {
        // A name the provider does not know (404) or refuses (400) makes no series, or made-up names would
        // grow /metrics without end (issue #17 item 4).
        if (!(err instanceof NotFoundError || err instanceof InvalidArgumentError)) record(statusOf(err));
        throw err;
      }
    }
    let code = 500;
    try {
      code = await deps.backend.invoke(req, res, { name, namespace: ns, path: rest + url.search });
      if (code === 503) deps.scaler.invalidate(name, ns);
    } catch (err) {
      code = statusOf(err);
      throw err;
    } finally {
      record(code);
      portal.observe(fn, code);
    }
  };

  const enqueue = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const { name, namespace, rest } = parseFunctionPath(url.pathname, '/async-function/');
    validateName('function', name);
    const ns = namespace ?? deps.defaultNamespace;
    validateName('namespace', ns);
    const callbackUrl = callbackUrlOf(req);
    if (!deps.queue) throw new NotFoundError('route', '/async-function (no NATS configured)');
    const body = await readBody(req, deps.asyncBodyLimit);
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
    await deps.queue.enqueue(queued);
    deps.log.info('queued async invocation', { function: `${name}.${ns}`, call_id: callId });
    res.writeHead(202, { 'X-Call-Id': callId }).end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = parseRequestTarget(req.url, BASE);
    const path = target.pathname;
    if (path.startsWith('/function/')) return invoke(req, res, target);
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK\n');
      return;
    }
    const url = target instanceof URL ? target : parseRequestUrl(req.url, BASE);
    if (path === '/metrics') {
      const gauges = [...replicas].map(([fn, n]) => `gateway_service_count{function_name="${fn}"} ${n}`);
      const text =
        metrics.render('gateway') +
        '# TYPE gateway_service_count gauge\n' +
        gauges.join('\n') +
        (gauges.length ? '\n' : '') +
        (deps.extraMetrics?.() ?? '');
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(text);
      return;
    }
    if (path.startsWith('/async-function/')) return enqueue(req, res, url);
    if (path.startsWith('/system/')) {
      checkBasicAuth(req.headers.authorization, deps.credentials);
      if (req.method === 'GET' && path === '/system/functions') return listFunctions(res, url);
      const m = /^\/system\/scale-function\/([^/]+)$/.exec(path);
      if (m?.[1]) deps.scaler.invalidate(decodeURIComponent(m[1]));
      return deps.backend.system(req, res, url);
    }
    if (portal.owns(path)) return portal.serve(req, res, url);
    throw new NotFoundError('route', path);
  };

  const merge = (deltas: readonly SeriesDelta[]): void => {
    metrics.merge(deltas);
    for (const d of deltas)
      if (typeof d.code === 'number') for (let i = 0; i < d.count; i++) portal.observe(d.fn, d.code);
  };

  return {
    handle: guarded(handle, deps.log),
    merge,
    invocations: () => invocations,
    close: () => deps.backend.close(),
  };
}
