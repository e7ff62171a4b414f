/** The gateway's API as the page uses it: every failure becomes an ApiError the page shows. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The request field the gateway named as wrong (X-Error-Field), if any. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** What a person should read for a failure: 401, 5xx and network errors each say what to do. */
export function describeError(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  if (err.status === 0) return `Cannot reach the gateway: ${err.message}`;
  if (err.status === 401) return 'The gateway refused the credentials (401). Reload the page to sign in.';
  if (err.status >= 500) return `The gateway answered ${err.status}: ${err.message}`;
  return err.message;
}

export async function call(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).trim();
    throw new ApiError(
      res.status,
      text || res.statusText || `HTTP ${res.status}`,
      res.headers.get('X-Error-Field') ?? undefined,
    );
  }
  return res;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await call('GET', path)).json()) as T;
}

export interface FunctionStatus {
  name: string;
  namespace?: string;
  image: string;
  envProcess?: string;
  envVars?: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  secrets?: string[];
  constraints?: string[];
  limits?: { memory?: string; cpu?: string };
  requests?: { memory?: string; cpu?: string };
  readOnlyRootFilesystem?: boolean;
  invocationCount: number;
  replicas: number;
  availableReplicas: number;
  createdAt?: string;
  usage?: { cpu?: number; totalMemoryBytes?: number };
}

export interface Overview {
  version: string;
  commit: string;
  user: string;
  namespace: string;
  startedAt: string;
  async: 'on' | 'off';
  prometheus: 'up' | 'down' | 'off';
  history: { bucketSeconds: number; functions: Record<string, { calls: number[]; errors: number[] }> };
  /** The compose services (NATS, Prometheus, ...); absent where the gateway cannot see them. */
  services?: { name: string; image: string; state: string; restarts: number; startedAt?: string }[];
}

const q = encodeURIComponent;
export const paths = {
  functions: (ns: string) => `/system/functions?namespace=${q(ns)}`,
  fn: (name: string, ns: string) => `/system/function/${q(name)}?namespace=${q(ns)}`,
  scale: (name: string) => `/system/scale-function/${q(name)}`,
  secrets: (ns: string) => `/system/secrets?namespace=${q(ns)}`,
  logs: (name: string, ns: string, since?: string) =>
    `/system/logs?name=${q(name)}&namespace=${q(ns)}&follow=true&tail=100${since ? `&since=${q(since)}` : ''}`,
};

const NS_KEY = 'faasd.namespace';
let defaultNamespace = 'openfaas-fn';

/** The namespace the views show, remembered across reloads; first the gateway's default. */
export const namespace = {
  get: (): string => localStorage.getItem(NS_KEY) ?? defaultNamespace,
  set: (ns: string): void => localStorage.setItem(NS_KEY, ns),
  setDefault: (ns: string): void => {
    defaultNamespace = ns;
  },
};
