import { UnavailableError } from '../errors.js';
import type { CronCandidate, CronFunctionSource, CronInvoker } from './scheduler.js';

async function call(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new UnavailableError(`${init.method ?? 'GET'} ${url}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads and drops a response body chunk by chunk, so a large answer costs no memory. */
async function drain(res: Response): Promise<void> {
  if (!res.body) return;
  for await (const chunk of res.body) void chunk;
}

/**
 * Every function of every namespace from the faas-provider API (GET /system/namespaces, then
 * GET /system/functions per namespace), as cron-connector lists them through the gateway.
 */
export class ProviderFunctionSource implements CronFunctionSource {
  constructor(
    private readonly baseUrl: string,
    private readonly authorization: string,
    private readonly timeoutMs = 10_000,
  ) {}

  private async getJson<T>(path: string): Promise<T> {
    const res = await call(
      `${this.baseUrl}${path}`,
      { headers: { Authorization: this.authorization } },
      this.timeoutMs,
    );
    if (!res.ok) {
      await drain(res);
      throw new UnavailableError(`GET ${path} answered ${res.status}`);
    }
    return (await res.json()) as T;
  }

  async list(): Promise<CronCandidate[]> {
    const namespaces = await this.getJson<string[]>('/system/namespaces');
    const all: CronCandidate[] = [];
    for (const ns of namespaces) {
      const fns = await this.getJson<
        { name: string; namespace?: string; annotations?: Record<string, string> }[]
      >(`/system/functions?namespace=${encodeURIComponent(ns)}`);
      for (const f of fns)
        all.push({ name: f.name, namespace: f.namespace ?? ns, annotations: f.annotations });
    }
    return all;
  }
}

/**
 * Invokes as cron-connector does (types/cron_function.go): POST with an empty body to
 * /function/NAME.NS, or /async-function/NAME.NS when async, on the gateway, so scale from zero, the
 * queue and the gateway's own metrics apply as to any other call. The answer is read and dropped.
 */
export class GatewayInvoker implements CronInvoker {
  constructor(
    private readonly gatewayUrl: string,
    private readonly timeoutMs: number,
  ) {}

  private async post(prefix: string, name: string, namespace: string): Promise<number> {
    const path = `${prefix}/${encodeURIComponent(name)}.${encodeURIComponent(namespace)}`;
    const res = await call(`${this.gatewayUrl}${path}`, { method: 'POST', body: '' }, this.timeoutMs);
    await drain(res);
    return res.status;
  }

  invoke(name: string, namespace: string): Promise<number> {
    return this.post('/function', name, namespace);
  }

  enqueue(name: string, namespace: string): Promise<number> {
    return this.post('/async-function', name, namespace);
  }
}
