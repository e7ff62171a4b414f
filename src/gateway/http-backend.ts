import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Availability, FunctionStatus } from '../provider/index.js';
import { FunctionProxy } from '../http/index.js';
import type { FunctionBackend, InvokeTarget } from './backend.js';
import { ProviderClient } from './provider-client.js';

export interface HttpBackendOptions {
  /** The provider's base URL, e.g. http://faasd-provider:8081. */
  url: string;
  /** Basic auth for the gateway's own calls (describe, scale, list). */
  authorization: string;
  upstreamTimeoutMs: number;
  /** Connections open to the provider for one function at once (each function has its own pool). */
  functionMaxConnections?: number;
}

/** A separate `faasd gateway`: the provider's HTTP API, one hop away. */
export class HttpBackend implements FunctionBackend {
  private readonly client: ProviderClient;
  private readonly proxy: FunctionProxy;
  private readonly host: string;
  private readonly port: number;

  constructor(o: HttpBackendOptions) {
    const url = new URL(o.url);
    this.host = url.hostname;
    this.port = Number(url.port || 80);
    this.client = new ProviderClient(o.url.replace(/\/$/, ''), o.authorization);
    // Every function goes to the same provider address: one pool per function keeps a slow one from
    // taking the connections of all the others on this hop too.
    this.proxy = new FunctionProxy(o.upstreamTimeoutMs, {
      ...(o.functionMaxConnections ? { socketsPerKey: o.functionMaxConnections } : {}),
    });
  }

  describe(name: string, namespace: string): Promise<FunctionStatus> {
    return this.client.describe(name, namespace);
  }

  /** The provider's API has no narrower call: its describe. */
  async availability(name: string, namespace: string): Promise<Availability> {
    const s = await this.client.describe(name, namespace);
    return { replicas: s.replicas, available: s.availableReplicas };
  }

  scale(name: string, namespace: string, replicas: number): Promise<void> {
    return this.client.scale(name, namespace, replicas);
  }

  list(namespace: string): Promise<FunctionStatus[]> {
    return this.client.list(namespace);
  }

  invoke(req: IncomingMessage, res: ServerResponse, t: InvokeTarget): Promise<number> {
    return this.proxy.forward(req, res, {
      host: this.host,
      port: this.port,
      path: `/function/${t.name}.${t.namespace}${t.path}`,
      fn: t.name,
      pool: `${t.namespace}/${t.name}`,
    });
  }

  /** Forwarded with the client's own Authorization header (the provider checks it again). */
  async system(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // Log follows stay open for long: a pool of their own, so they never hold the API's connections.
    const pool = url.pathname === '/system/logs' ? 'system-logs' : 'system';
    await this.proxy.forward(req, res, {
      host: this.host,
      port: this.port,
      path: url.pathname + url.search,
      fn: 'provider',
      pool,
    });
  }

  close(): void {
    this.proxy.close();
  }
}
