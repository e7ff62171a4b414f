import { Writable } from 'node:stream';
import { InvalidArgumentError, NotFoundError } from '../../src/errors.js';
import { createLogger, type Logger } from '../../src/log.js';
import { validateName, type Availability, type FunctionStatus } from '../../src/provider/index.js';
import { parseDeployment } from '../../src/provider/deployment.js';
import type { Functions, Namespaces, Secrets } from '../../src/provider/routes.js';
import type { Resolver } from '../../src/provider/resolver.js';
import type { FunctionNamespace } from '../../src/provider/namespaces.js';
import type { Scaler } from '../../src/gateway/index.js';

export const DEFAULT_NS = 'openfaas-fn';

/** Functions at fixed addresses (namespace/name → host); deploy and update validate as the real one does. */
export class FakeFunctions implements Functions {
  readonly hosts = new Map<string, string>();
  readonly endpointCalls: string[] = [];

  async list(): Promise<FunctionStatus[]> {
    return [];
  }
  async deploy(body: unknown): Promise<void> {
    parseDeployment(body, DEFAULT_NS);
  }
  async update(body: unknown): Promise<void> {
    parseDeployment(body, DEFAULT_NS);
  }
  async delete(name: string): Promise<void> {
    throw new NotFoundError('function', name);
  }
  async describe(name: string, namespace: string): Promise<FunctionStatus> {
    if (!this.hosts.has(`${namespace}/${name}`)) throw new NotFoundError('function', name);
    return { name, namespace, image: 'x', invocationCount: 0, replicas: 1, availableReplicas: 1 };
  }
  async availability(name: string, namespace: string): Promise<Availability> {
    if (!this.hosts.has(`${namespace}/${name}`)) throw new NotFoundError('function', name);
    return { replicas: 1, available: 1 };
  }
  async scale(name: string): Promise<void> {
    throw new NotFoundError('function', name);
  }
  async endpoint(name: string, namespace: string): Promise<string | undefined> {
    this.endpointCalls.push(`${namespace}/${name}`);
    const host = this.hosts.get(`${namespace}/${name}`);
    if (!host) throw new NotFoundError('function', name);
    return host;
  }
}

/** The default namespace and `extra` ones are function namespaces; anything else is refused as the real one refuses it. */
export class FakeNamespaces implements Namespaces {
  readonly defaultNamespace = DEFAULT_NS;
  constructor(private readonly extra: string[] = []) {}

  async assertUsable(namespace: string): Promise<void> {
    validateName('namespace', namespace);
    if (namespace !== DEFAULT_NS && !this.extra.includes(namespace))
      throw new InvalidArgumentError('namespace', `namespace ${namespace} is not a function namespace`);
  }
  async list(): Promise<string[]> {
    return [DEFAULT_NS, ...this.extra];
  }
  async get(name: string): Promise<FunctionNamespace> {
    await this.assertUsable(name);
    return { name, labels: {}, annotations: {} };
  }
  async create(): Promise<void> {}
  async update(): Promise<void> {}
  async delete(): Promise<void> {}
}

export class FakeSecrets implements Secrets {
  async list(): Promise<string[]> {
    return [];
  }
  async create(): Promise<void> {}
  async update(): Promise<void> {}
  async delete(): Promise<void> {}
}

/** Answers from FakeFunctions' addresses (as the real one answers from any running task), and records what it was asked. */
export class FakeResolver implements Pick<Resolver, 'resolve' | 'invalidate'> {
  readonly asked: string[] = [];
  constructor(private readonly functions: FakeFunctions) {}
  async resolve(namespace: string, name: string): Promise<string | undefined> {
    this.asked.push(`${namespace}/${name}`);
    return this.functions.hosts.get(`${namespace}/${name}`);
  }
  invalidate(): void {}
}

/** The gateway's scale-from-zero step: known functions pass, unknown ones are a 404, bad namespaces a 400. */
export class FakeScaler implements Pick<Scaler, 'ensureReady' | 'invalidate'> {
  constructor(
    readonly known: Set<string>,
    private readonly namespaces: string[] = [DEFAULT_NS],
  ) {}
  async ensureReady(name: string, namespace: string): Promise<void> {
    if (!this.namespaces.includes(namespace))
      throw new InvalidArgumentError('function', `namespace ${namespace} is not a function namespace`);
    if (!this.known.has(`${namespace}/${name}`)) throw new NotFoundError('function', name);
  }
  invalidate(): void {}
}

/** A logger that keeps its lines (tests may look at them; nothing reaches the test output). */
export function quietLogger(lines: string[] = []): Logger {
  return createLogger(
    'test',
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    }),
  );
}
