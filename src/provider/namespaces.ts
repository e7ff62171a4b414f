import type { Containerd } from '../containerd/index.js';
import { AlreadyExistsError, FaasdError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { NamespaceRequest } from './types.js';
import { stringMap, validateName } from './validate.js';

export const OPENFAAS_LABEL = 'openfaas';
const ANNOTATION_PREFIX = 'io.faasd.annotation/';

export class NamespaceNotEmptyError extends FaasdError {
  constructor(
    readonly namespace: string,
    options?: ErrorOptions,
  ) {
    super(
      'exists',
      `namespace ${JSON.stringify(namespace)} still has functions or images; remove them first`,
      options,
    );
  }
}

export interface FunctionNamespace {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Function namespaces: containerd namespaces labelled openfaas=1, plus the default one. */
export class NamespaceService {
  constructor(
    private readonly ctd: Containerd,
    readonly defaultNamespace: string,
    private readonly reserved: string[],
  ) {}

  async ensureDefault(): Promise<void> {
    await this.ctd.namespaces.ensure(this.defaultNamespace, { [OPENFAAS_LABEL]: '1' });
  }

  async list(): Promise<string[]> {
    const all = await this.ctd.namespaces.list();
    const names = all.filter((n) => n.labels[OPENFAAS_LABEL] === '1').map((n) => n.name);
    return [...new Set([this.defaultNamespace, ...names])].sort();
  }

  /** Throws a 400 unless the namespace is one functions may use. */
  async assertUsable(namespace: string): Promise<void> {
    validateName('namespace', namespace);
    if (namespace === this.defaultNamespace) return;
    const ns = await this.ctd.namespaces.get(namespace);
    if (ns?.labels[OPENFAAS_LABEL] !== '1') {
      throw new InvalidArgumentError(
        'namespace',
        `namespace ${JSON.stringify(namespace)} is not a function namespace (create it first)`,
      );
    }
  }

  async get(name: string): Promise<FunctionNamespace> {
    validateName('namespace', name);
    const ns = await this.ctd.namespaces.get(name);
    if (!ns || (ns.labels[OPENFAAS_LABEL] !== '1' && name !== this.defaultNamespace))
      throw new NotFoundError('namespace', name);
    const labels: Record<string, string> = {};
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(ns.labels)) {
      if (k.startsWith(ANNOTATION_PREFIX)) annotations[k.slice(ANNOTATION_PREFIX.length)] = v;
      else labels[k] = v;
    }
    return { name, labels, annotations };
  }

  private labelsOf(req: NamespaceRequest): Record<string, string> {
    const labels = stringMap('labels', req.labels) ?? {};
    const annotations = stringMap('annotations', req.annotations) ?? {};
    if (labels[OPENFAAS_LABEL] !== undefined && labels[OPENFAAS_LABEL] !== '1') {
      throw new InvalidArgumentError('labels', `label ${OPENFAAS_LABEL} must stay "1"`);
    }
    const out: Record<string, string> = { ...labels, [OPENFAAS_LABEL]: '1' };
    for (const [k, v] of Object.entries(annotations)) out[`${ANNOTATION_PREFIX}${k}`] = v;
    return out;
  }

  private assertNotReserved(name: string): void {
    if (this.reserved.includes(name) || name === this.defaultNamespace) {
      throw new InvalidArgumentError('name', `namespace ${JSON.stringify(name)} is reserved`);
    }
  }

  async create(name: string, req: NamespaceRequest): Promise<void> {
    validateName('namespace', name);
    this.assertNotReserved(name);
    const labels = this.labelsOf(req);
    const existing = await this.ctd.namespaces.get(name);
    if (existing) {
      throw new AlreadyExistsError('namespace', name);
    }
    await this.ctd.namespaces.create(name, labels);
  }

  async update(name: string, req: NamespaceRequest): Promise<void> {
    await this.get(name);
    this.assertNotReserved(name);
    await this.ctd.namespaces.setLabels(name, this.labelsOf(req));
  }

  async delete(name: string): Promise<void> {
    await this.get(name);
    this.assertNotReserved(name);
    try {
      await this.ctd.namespaces.delete(name);
    } catch (err) {
      if (err instanceof FaasdError && err.kind === 'precondition')
        throw new NamespaceNotEmptyError(name, { cause: err });
      throw err;
    }
  }
}
