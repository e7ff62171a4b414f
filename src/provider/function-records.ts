import type { ContainerRecord } from '../containerd/index.js';
import { specOf } from '../containerd/index.js';
import { NotFoundError } from '../errors.js';
import type { FunctionDeployment } from './types.js';
import { DEPLOYMENT_ANNOTATION } from './deployment.js';
import { groupFunctions, primaryOf, type FunctionContainers } from './instances.js';

/** A deployment as stored on each of its containers (the annotation), with its namespace. */
export type StoredDeployment = FunctionDeployment & { namespace: string };
/** One function's containers as containerd lists them. */
export type Fn = FunctionContainers<ContainerRecord>;

/**
 * The deployment a container was made from. Parsed once per container record: list, the autoscaler's
 * tick and invoke routing read it for every function, and the JSON does not change for a given record.
 */
const parsed = new WeakMap<ContainerRecord, StoredDeployment | null>();

export function deploymentOf(c: ContainerRecord): StoredDeployment | undefined {
  const hit = parsed.get(c);
  if (hit !== undefined) return hit ?? undefined;
  const raw = (specOf(c)?.annotations as Record<string, string> | undefined)?.[DEPLOYMENT_ANNOTATION];
  const dep = raw ? (JSON.parse(raw) as StoredDeployment) : undefined;
  parsed.set(c, dep ?? null);
  return dep;
}

/** Grouped once per kept list (the ContainerCache's array): lookups by name are then O(1). */
const grouped = new WeakMap<readonly ContainerRecord[], Map<string, Fn>>();

export function groupsOf(records: readonly ContainerRecord[]): Map<string, Fn> {
  let g = grouped.get(records);
  if (!g) {
    g = groupFunctions(records);
    grouped.set(records, g);
  }
  return g;
}

/** The container that speaks for the function: its primary, else a pending or stale one. */
export function headOf(g: Fn): ContainerRecord | undefined {
  return primaryOf(g) ?? g.pending[0] ?? g.stale[0];
}

/** The function's deployment, from its head container (a bare one from the container if none is stored). */
export function functionDeployment(g: Fn, namespace: string): StoredDeployment {
  const c = headOf(g);
  if (!c) throw new NotFoundError('function', g.name);
  return deploymentOf(c) ?? { service: g.name, image: c.image, namespace };
}

/** Resolves with `p`, or rejects with `onTimeout()` after `ms`. */
export async function within<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
