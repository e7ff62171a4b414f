import { InvalidArgumentError } from '../errors.js';
import { parseLogQuery, streamLogs } from './logs.js';
import { VERSION, COMMIT } from '../config/index.js';
import type { FunctionService } from './functions.js';
import type { NamespaceService } from './namespaces.js';
import type { SecretStore } from './secrets.js';
import type { Request, Router } from '../http/index.js';
import type { DeleteFunctionRequest, NamespaceRequest, ScaleServiceRequest, SecretRequest } from './types.js';
import { validateName } from './validate.js';

/** The narrow faces of the services the routes call (unit tests give hand-written fakes of these). */
export type Functions = Pick<
  FunctionService,
  'list' | 'deploy' | 'update' | 'delete' | 'describe' | 'scale' | 'endpoint'
>;
export type Namespaces = Pick<
  NamespaceService,
  'defaultNamespace' | 'assertUsable' | 'list' | 'get' | 'create' | 'update' | 'delete'
>;
export type Secrets = Pick<SecretStore, 'list' | 'create' | 'update' | 'delete'>;

export interface RouteDeps {
  /** Where function logs are (`<logDir>/<namespace>/<name>.log`). */
  logDir: string;
  functions: Functions;
  namespaces: Namespaces;
  secrets: Secrets;
}

function object<T>(body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidArgumentError('body', 'the request body must be a JSON object');
  return body as T;
}

/** The namespace a request names (query or body), or the default; always one functions may use. */
async function namespaceOf(d: RouteDeps, fromRequest: unknown): Promise<string> {
  const ns =
    fromRequest === undefined || fromRequest === null || fromRequest === ''
      ? d.namespaces.defaultNamespace
      : fromRequest;
  if (typeof ns !== 'string') throw new InvalidArgumentError('namespace', 'namespace must be a string');
  await d.namespaces.assertUsable(ns);
  return ns;
}

/** The /system routes of PROVIDER-API.md. Each handler parses, calls one service method, answers. */
export function systemRoutes(r: Router, d: RouteDeps): void {
  const q = (req: Request, k: string) => req.query.get(k) ?? undefined;

  r.on('GET', '/system/info', async () => ({
    status: 200,
    json: { provider: 'faasd-ts', orchestration: 'containerd', version: { sha: COMMIT, release: VERSION } },
  }));

  r.on('GET', '/system/functions', async (req) => ({
    status: 200,
    json: await d.functions.list(await namespaceOf(d, q(req, 'namespace'))),
  }));
  r.on('POST', '/system/functions', async (req) => {
    await d.functions.deploy(await req.json());
    return { status: 202 };
  });
  r.on('PUT', '/system/functions', async (req) => {
    await d.functions.update(await req.json());
    return { status: 202 };
  });
  r.on('DELETE', '/system/functions', async (req) => {
    const body = object<DeleteFunctionRequest>(await req.json());
    const ns = await namespaceOf(d, body.namespace);
    await d.functions.delete(validateName('function', body.functionName), ns);
    return { status: 202 };
  });
  r.on('GET', '/system/function/:name', async (req) => ({
    status: 200,
    json: await d.functions.describe(req.params.name ?? '', await namespaceOf(d, q(req, 'namespace'))),
  }));
  r.on('POST', '/system/scale-function/:name', async (req) => {
    const body = object<ScaleServiceRequest>(await req.json());
    const ns = await namespaceOf(d, body.namespace ?? q(req, 'namespace'));
    await d.functions.scale(req.params.name ?? '', ns, body.replicas);
    return { status: 202 };
  });

  r.on('GET', '/system/secrets', async (req) => {
    const ns = await namespaceOf(d, q(req, 'namespace'));
    return { status: 200, json: (await d.secrets.list(ns)).map((name) => ({ name, namespace: ns })) };
  });
  r.on('POST', '/system/secrets', async (req) => {
    const body = object<SecretRequest>(await req.json());
    await d.secrets.create(await namespaceOf(d, body.namespace), body);
    return { status: 201 };
  });
  r.on('PUT', '/system/secrets', async (req) => {
    const body = object<SecretRequest>(await req.json());
    await d.secrets.update(await namespaceOf(d, body.namespace), body);
    return { status: 202 };
  });
  r.on('DELETE', '/system/secrets', async (req) => {
    const body = object<SecretRequest>(await req.json());
    await d.secrets.delete(await namespaceOf(d, body.namespace), validateName('secret', body.name));
    return { status: 202 };
  });

  r.on('GET', '/system/namespaces', async () => ({ status: 200, json: await d.namespaces.list() }));
  r.on('GET', '/system/namespace/:name', async (req) => ({
    status: 200,
    json: await d.namespaces.get(req.params.name ?? ''),
  }));
  r.on('POST', '/system/namespace/:name', async (req) => {
    await d.namespaces.create(req.params.name ?? '', object<NamespaceRequest>(await req.json()));
    return { status: 201 };
  });
  r.on('PUT', '/system/namespace/:name', async (req) => {
    await d.namespaces.update(req.params.name ?? '', object<NamespaceRequest>(await req.json()));
    return { status: 202 };
  });
  r.on('DELETE', '/system/namespace/:name', async (req) => {
    await d.namespaces.delete(req.params.name ?? '');
    return { status: 202 };
  });

  r.on('GET', '/system/logs', async (req) => {
    const q = parseLogQuery(req.query, d.namespaces.defaultNamespace);
    const ns = await namespaceOf(d, q.namespace);
    await d.functions.describe(validateName('function', q.name), ns); // 404 for an unknown function
    await streamLogs(req.res, d.logDir, { ...q, namespace: ns });
    return undefined;
  });
}
