import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  Availability,
  FunctionStatus,
  Functions,
  Namespaces,
  ProviderHandler,
} from '../provider/index.js';
import type { FunctionBackend, InvokeTarget } from './backend.js';

export interface LocalBackendDeps {
  functions: Pick<Functions, 'describe' | 'scale' | 'list'> & {
    availability(name: string, namespace: string): Promise<Availability>;
  };
  namespaces: Pick<Namespaces, 'assertUsable'>;
  /** The provider's handler: its invoker (resolver + per-function pools) and its /system routes. */
  provider: Pick<ProviderHandler, 'system'> & { invoker: Pick<ProviderHandler['invoker'], 'invoke'> };
}

/** The gateway in the daemon: the provider's services called in-process. */
export class LocalBackend implements FunctionBackend {
  constructor(private readonly deps: LocalBackendDeps) {}

  async describe(name: string, namespace: string): Promise<FunctionStatus> {
    await this.deps.namespaces.assertUsable(namespace);
    return this.deps.functions.describe(name, namespace);
  }

  async availability(name: string, namespace: string): Promise<Availability> {
    await this.deps.namespaces.assertUsable(namespace);
    return this.deps.functions.availability(name, namespace);
  }

  async scale(name: string, namespace: string, replicas: number): Promise<void> {
    await this.deps.namespaces.assertUsable(namespace);
    await this.deps.functions.scale(name, namespace, replicas);
  }

  async list(namespace: string): Promise<FunctionStatus[]> {
    await this.deps.namespaces.assertUsable(namespace);
    return this.deps.functions.list(namespace);
  }

  invoke(req: IncomingMessage, res: ServerResponse, target: InvokeTarget): Promise<number> {
    return this.deps.provider.invoker.invoke(req, res, target);
  }

  system(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    return this.deps.provider.system(req, res, url);
  }

  /** The provider owns the pools; it closes them. */
  close(): void {}
}
