import { parse } from 'yaml';
import type { FunctionDeployment } from '../../src/provider/types.js';

// faas-cli's stack fields, written out apart from src/export's StackFunction: a field our exporter
// misspelt must fail the round trip, not be misread the same way here.
interface StackFunctionIn {
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
}

/** A stack file's functions as `faas-cli deploy` sends them (faas-cli's stack fields -> FunctionDeployment). */
export function deploymentsOf(stackYaml: string): FunctionDeployment[] {
  const stack = parse(stackYaml) as { functions: Record<string, StackFunctionIn> };
  return Object.entries(stack.functions).map(([service, f]) => ({
    service,
    image: f.image,
    ...(f.namespace ? { namespace: f.namespace } : {}),
    ...(f.fprocess ? { envProcess: f.fprocess } : {}),
    ...(f.environment ? { envVars: f.environment } : {}),
    ...(f.secrets ? { secrets: f.secrets } : {}),
    ...(f.labels ? { labels: f.labels } : {}),
    ...(f.annotations ? { annotations: f.annotations } : {}),
    ...(f.limits ? { limits: f.limits } : {}),
    ...(f.requests ? { requests: f.requests } : {}),
    ...(f.constraints ? { constraints: f.constraints } : {}),
    ...(f.readonly_root_filesystem ? { readOnlyRootFilesystem: true } : {}),
  }));
}

/** `faas-cli deploy -f`: PUT each function, and POST it when the PUT says 404. Returns the final statuses. */
export async function deployStack(apiUrl: string, auth: string, stackYaml: string): Promise<number[]> {
  const statuses: number[] = [];
  for (const d of deploymentsOf(stackYaml)) {
    const send = async (method: string) => {
      const res = await fetch(`${apiUrl}/system/functions`, {
        method,
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(d),
      });
      await res.text();
      return res.status;
    };
    const put = await send('PUT');
    statuses.push(put === 404 ? await send('POST') : put);
  }
  return statuses;
}
