import { stringify } from 'yaml';
import { InvalidArgumentError } from '../errors.js';
import { parseCpu, parseMemory, type FunctionStatus } from '../provider/index.js';

/** One function of a faas-cli stack file (faas-cli stack/schema.go field names). */
export interface StackFunction {
  image: string;
  namespace?: string;
  fprocess?: string;
  environment?: Record<string, string>;
  secrets?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  limits?: { memory?: string; cpu?: string };
  requests?: { memory?: string; cpu?: string };
  constraints?: string[];
  readonly_root_filesystem?: boolean;
  /** The image is built already: `faas-cli up` deploys it without looking for a handler. */
  skip_build: true;
}

export interface StackFile {
  version: '1.0';
  provider: { name: 'openfaas'; gateway: string };
  functions: Record<string, StackFunction>;
}

/**
 * A memory quantity Kubernetes takes, exact: Mi when whole, else Ki, else the decimal G, M or k (as
 * "1G" was deployed), else bytes. Our parser also takes forms Kubernetes refuses (an upper-case K).
 */
export function memoryForKubernetes(field: string, q: string): string {
  const bytes = parseMemory(field, q);
  const units: [string, number][] = [
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
    ['G', 1e9],
    ['M', 1e6],
    ['k', 1e3],
  ];
  for (const [suffix, size] of units) if (bytes % size === 0) return `${bytes / size}${suffix}`;
  return String(bytes);
}

/** A CPU quantity in millicores, Kubernetes' finest unit (a fraction of 1m rounds up, as it would be refused). */
export function cpuForKubernetes(field: string, q: string): string {
  return `${Math.ceil(Math.round(parseCpu(field, q) * 1e6) / 1e3)}m`;
}

function resources(key: 'limits' | 'requests', r: FunctionStatus['limits']): StackFunction['limits'] {
  if (!r?.memory && !r?.cpu) return undefined;
  return {
    ...(r.memory ? { memory: memoryForKubernetes(`${key}.memory`, r.memory) } : {}),
    ...(r.cpu ? { cpu: cpuForKubernetes(`${key}.cpu`, r.cpu) } : {}),
  };
}

const nonEmpty = <T extends object>(o: T | undefined): T | undefined =>
  o && Object.keys(o).length > 0 ? o : undefined;

/** What `faas-cli deploy` turns back into the same FunctionDeployment. */
export function toStackFunction(f: FunctionStatus): StackFunction {
  const fn: StackFunction = { image: f.image, skip_build: true };
  if (f.namespace) fn.namespace = f.namespace;
  if (f.envProcess) fn.fprocess = f.envProcess;
  const env = nonEmpty(f.envVars);
  if (env) fn.environment = env;
  if (f.secrets?.length) fn.secrets = [...f.secrets];
  const labels = nonEmpty(f.labels);
  if (labels) fn.labels = labels;
  const annotations = nonEmpty(f.annotations);
  if (annotations) fn.annotations = annotations;
  const limits = resources('limits', f.limits);
  if (limits) fn.limits = limits;
  const requests = resources('requests', f.requests);
  if (requests) fn.requests = requests;
  if (f.constraints?.length) fn.constraints = [...f.constraints];
  if (f.readOnlyRootFilesystem) fn.readonly_root_filesystem = true;
  return fn;
}

/**
 * A stack file for `faas-cli deploy -f`. Functions are keyed by name, as faas-cli keys them, so one
 * name in two namespaces cannot share a file: that is an error naming both.
 */
export function buildStackFile(functions: FunctionStatus[], gateway: string): StackFile {
  const out: StackFile = { version: '1.0', provider: { name: 'openfaas', gateway }, functions: {} };
  const sorted = [...functions].sort(
    (a, b) => (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name),
  );
  for (const f of sorted) {
    const seen = out.functions[f.name];
    if (seen)
      throw new InvalidArgumentError(
        'namespace',
        `function ${JSON.stringify(f.name)} is in namespaces ${JSON.stringify(seen.namespace)} and ${JSON.stringify(f.namespace)}; a stack file keys functions by name: export one namespace at a time with --namespace`,
      );
    out.functions[f.name] = toStackFunction(f);
  }
  return out;
}

export function renderStackFile(stack: StackFile): string {
  // Quoted strings throughout: "1.0", "true" or "0777" must stay strings for faas-cli's Go YAML.
  return stringify(stack, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
}
