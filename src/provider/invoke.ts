import type { IncomingMessage, ServerResponse } from 'node:http';
import { FunctionProxy, NoReadyReplicaError, UpstreamError } from '../http/index.js';
import type { Resolver } from './resolver.js';
import type { Functions, Namespaces } from './routes.js';

export interface InvokerDeps {
  functions: Pick<Functions, 'endpoint'>;
  namespaces: Pick<Namespaces, 'assertUsable'>;
  resolver: Pick<Resolver, 'resolve' | 'invalidate'> & Partial<Pick<Resolver, 'track' | 'resolveCached'>>;
  upstreamTimeoutMs?: number;
  /** The port functions' watchdogs listen on. */
  functionPort?: number;
  /** Connections open to one function at once (its own pool). */
  functionMaxConnections?: number;
}

/** One invocation: the function, its namespace, and the path (with query) to send it. */
export interface InvokeTarget {
  name: string;
  namespace: string;
  path: string;
}

/** How long a namespace found to be a function namespace is taken as one without asking containerd. */
const USABLE_NAMESPACE_MS = 5000;

/**
 * Sends an invocation straight to a ready replica: the provider's /function route and the in-process
 * gateway both call this, so the daemon's gateway takes no HTTP hop through the provider.
 */
export class FunctionInvoker {
  private readonly proxy: FunctionProxy;
  private readonly port: number;
  // Only namespaces that passed assertUsable are remembered, so the map is as small as the real ones.
  private readonly usable = new Map<string, number>();

  constructor(private readonly deps: InvokerDeps) {
    this.proxy = new FunctionProxy(deps.upstreamTimeoutMs ?? 60_000, {
      ...(deps.functionMaxConnections ? { socketsPerKey: deps.functionMaxConnections } : {}),
    });
    this.port = deps.functionPort ?? 8080;
  }

  private async endpoint(name: string, ns: string, suspect = false): Promise<string> {
    const host = await this.deps.functions.endpoint(name, ns, suspect);
    if (!host) throw new NoReadyReplicaError(name);
    return host;
  }

  /**
   * Invocations reach function namespaces only: the resolver finds any running task, so without this
   * `/function/gateway.openfaas/...` reached a core container (issue #17 item 9). A 400.
   */
  async assertFunctionNamespace(ns: string): Promise<void> {
    if (this.knownUsable(ns)) return;
    await this.deps.namespaces.assertUsable(ns);
    this.usable.set(ns, Date.now() + USABLE_NAMESPACE_MS);
  }

  /** Checked lately and usable: the hot path's check, with no promise. */
  knownUsable(ns: string): boolean {
    return (this.usable.get(ns) ?? 0) > Date.now();
  }

  /** Forwards the request and streams the answer back; resolves with the function's status code. */
  async invoke(req: IncomingMessage, res: ServerResponse, t: InvokeTarget): Promise<number> {
    // The checks answer from memory on the hot path: no promise unless one must ask containerd.
    if (!this.knownUsable(t.namespace)) await this.assertFunctionNamespace(t.namespace);
    const { resolver } = this.deps;
    const cached =
      resolver.resolveCached?.(t.namespace, t.name) ?? (await resolver.resolve(t.namespace, t.name));
    const first = cached ?? (await this.endpoint(t.name, t.namespace)); // throws for an unknown function
    try {
      return await this.forward(req, res, t, first);
    } catch (err) {
      // The replica behind the address just died or refused (containerd may not know yet): look again
      // (another ready replica, or one started again) and send once more.
      if (!(err instanceof UpstreamError && err.beforeRequest)) throw err;
      resolver.invalidate(t.namespace, t.name);
      return this.forward(req, res, t, await this.endpoint(t.name, t.namespace, true));
    }
  }

  /** Counted in flight per replica: the balancer's and the autoscaler's input (balancer.ts). */
  private forward(req: IncomingMessage, res: ServerResponse, t: InvokeTarget, host: string): Promise<number> {
    const target = { host, port: this.port, path: t.path, fn: t.name, pool: `${t.namespace}/${t.name}` };
    const { resolver } = this.deps;
    const run = () => this.proxy.forward(req, res, target);
    return resolver.track ? resolver.track(t.namespace, t.name, host, run) : run();
  }

  close(): void {
    this.proxy.close();
  }
}
