import { InvalidArgumentError } from '../errors.js';
import { parseReference } from '../image/index.js';
import { cronSettingsOf } from '../cron/index.js';
import type { ContainerSpec } from '../runtime/index.js';
import { parseCpu, parseMemory } from './quantity.js';
import type { FunctionDeployment } from './types.js';
import { envMap, stringList, stringMap, validateName } from './validate.js';

export const FUNCTION_LABEL = 'io.faasd.function';
export const REPLICAS_LABEL = 'io.faasd.replicas';
export const DEPLOYMENT_ANNOTATION = 'io.faasd.deployment';
export const SECRETS_MOUNT = '/var/openfaas/secrets';

/** Checks a FunctionDeployment body field by field; the result is what gets stored and read back. */
export function parseDeployment(
  body: unknown,
  defaultNamespace: string,
): FunctionDeployment & { namespace: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError('body', 'the request body must be a FunctionDeployment JSON object');
  }
  const b = body as Record<string, unknown>;
  const service = validateName('function', b.service);
  if (typeof b.image !== 'string' || b.image === '')
    throw new InvalidArgumentError('image', 'image is required');
  parseReference(b.image);
  const namespace =
    b.namespace === undefined || b.namespace === ''
      ? defaultNamespace
      : validateName('namespace', b.namespace);
  const d: FunctionDeployment & { namespace: string } = { service, image: b.image, namespace };
  if (b.envProcess !== undefined) {
    if (typeof b.envProcess !== 'string')
      throw new InvalidArgumentError('envProcess', 'envProcess must be a string');
    if (b.envProcess.includes('\0'))
      throw new InvalidArgumentError('envProcess', 'envProcess contains a NUL');
    if (b.envProcess !== '') d.envProcess = b.envProcess;
  }
  const envVars = envMap('envVars', b.envVars);
  if (envVars) d.envVars = envVars;
  const labels = stringMap('labels', b.labels);
  if (labels) d.labels = labels;
  const annotations = stringMap('annotations', b.annotations);
  if (annotations) d.annotations = annotations;
  cronSettingsOf(annotations); // a cron-function's schedule is checked here, so a bad one is a 400 (#15)
  const constraints = stringList('constraints', b.constraints);
  if (constraints?.length) d.constraints = constraints;
  const secrets = stringList('secrets', b.secrets);
  if (secrets?.length) d.secrets = secrets.map((s) => validateName('secret', s));
  for (const key of ['limits', 'requests'] as const) {
    const r = stringMap(key, b[key]);
    if (!r) continue;
    if (r.memory) parseMemory(`${key}.memory`, r.memory);
    if (r.cpu) parseCpu(`${key}.cpu`, r.cpu);
    const kept = { ...(r.memory ? { memory: r.memory } : {}), ...(r.cpu ? { cpu: r.cpu } : {}) };
    if (Object.keys(kept).length) d[key] = kept;
  }
  if (b.readOnlyRootFilesystem !== undefined) {
    if (typeof b.readOnlyRootFilesystem !== 'boolean')
      throw new InvalidArgumentError('readOnlyRootFilesystem', 'must be a boolean');
    if (b.readOnlyRootFilesystem) d.readOnlyRootFilesystem = true;
  }
  return d;
}

/**
 * The container a deployment runs as: env from envVars plus fprocess (an fprocess envVar wins).
 * `instance` names one of the function's containers (see instances.ts); the hostname stays the name.
 */
export function containerSpecOf(
  d: FunctionDeployment & { namespace: string },
  secretPath: (name: string) => string,
  replicas: number,
  instance?: { id: string; labels: Record<string, string> },
): ContainerSpec {
  const env = Object.entries(d.envVars ?? {}).map(([k, v]) => `${k}=${v}`);
  if (d.envProcess && !(d.envVars && 'fprocess' in d.envVars)) env.push(`fprocess=${d.envProcess}`);
  return {
    namespace: d.namespace,
    id: instance?.id ?? d.service,
    image: d.image,
    env,
    hostname: d.service,
    mounts: (d.secrets ?? []).map((s) => ({
      source: secretPath(s),
      destination: `${SECRETS_MOUNT}/${s}`,
      readonly: true,
    })),
    labels: instance?.labels ?? { [FUNCTION_LABEL]: d.service, [REPLICAS_LABEL]: String(replicas) },
    annotations: { [DEPLOYMENT_ANNOTATION]: JSON.stringify(d) },
    ...(d.limits?.memory ? { memoryLimitBytes: parseMemory('limits.memory', d.limits.memory) } : {}),
    ...(d.limits?.cpu ? { cpus: parseCpu('limits.cpu', d.limits.cpu) } : {}),
    ...(d.readOnlyRootFilesystem ? { readonlyRootfs: true } : {}),
    network: true,
  };
}
