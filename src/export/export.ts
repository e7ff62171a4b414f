import { writeFile } from 'node:fs/promises';
import { UnavailableError } from '../errors.js';
import type { FunctionStatus } from '../provider/index.js';
import { buildStackFile, renderStackFile } from './stack-file.js';

export interface ExportOptions {
  /** The faas-provider API to read (the provider, or the gateway, which forwards /system). */
  apiUrl: string;
  authorization: string;
  /** provider.gateway in the file: where `faas-cli deploy` will send it. */
  gateway: string;
  /** Only this namespace; every namespace when undefined. */
  namespace: string | undefined;
  /** Write here (mode 0644); the text is returned either way. */
  outFile?: string;
  timeoutMs?: number;
}

async function getJson<T>(o: ExportOptions, path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${o.apiUrl}${path}`, {
      headers: { Authorization: o.authorization },
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new UnavailableError(`cannot reach the provider at ${o.apiUrl}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!res.ok) throw new UnavailableError(`GET ${path} answered ${res.status}: ${(await res.text()).trim()}`);
  return (await res.json()) as T;
}

/** `faasd export`: every deployed function (list, then describe each) as a faas-cli stack file. */
export async function exportStack(o: ExportOptions): Promise<string> {
  const namespaces = o.namespace ? [o.namespace] : await getJson<string[]>(o, '/system/namespaces');
  const functions: FunctionStatus[] = [];
  for (const ns of namespaces) {
    const q = `namespace=${encodeURIComponent(ns)}`;
    for (const f of await getJson<FunctionStatus[]>(o, `/system/functions?${q}`)) {
      const d = await getJson<FunctionStatus>(o, `/system/function/${encodeURIComponent(f.name)}?${q}`);
      functions.push({ ...d, namespace: d.namespace ?? ns });
    }
  }
  const text = renderStackFile(buildStackFile(functions, o.gateway));
  if (o.outFile) await writeFile(o.outFile, text, { mode: 0o644 });
  return text;
}
