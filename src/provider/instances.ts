import { InternalError, InvalidArgumentError } from '../errors.js';
import { FUNCTION_LABEL, REPLICAS_LABEL } from './deployment.js';
import { HARD_MAX_REPLICAS, SCALE_LABELS } from './scale-labels.js';

/**
 * A function is the set of containers labelled `io.faasd.function=NAME`. The first one's ID is NAME (so
 * `ctr containers info NAME` works and containers made by older versions fit); others take a free one of
 * NAME.1, NAME.2, ... ('.' cannot appear in a function name, containerd IDs allow it). An update makes a
 * new container beside the serving ones, labelled pending until it is switched in, with a generation one
 * above theirs: after a crash mid-update, reconcile keeps the highest non-pending generation.
 */
export const PENDING_LABEL = 'io.faasd.pending';
export const GENERATION_LABEL = 'io.faasd.generation';
/** Set on the serving containers when an update failed (the old version serves): describe shows why. */
export const UPDATE_ERROR_LABEL = 'io.faasd.update-error';
/**
 * Slots tried per function: NAME plus NAME.1 … NAME.99, room for the most replicas and an update's new
 * set beside them (an ID stays below containerd's 76: 63 + '.' + two digits).
 */
export const MAX_SLOTS = 2 * HARD_MAX_REPLICAS;

export interface ContainerView {
  id: string;
  labels: Record<string, string>;
}

export interface TaskView {
  pid: number;
  status: string;
}

/** One function's containers, by role. */
export interface FunctionContainers<C extends ContainerView = ContainerView> {
  name: string;
  /** Non-pending containers of the highest generation: the version that takes traffic. */
  serving: C[];
  /** An update's new containers not yet switched in. */
  pending: C[];
  /** Non-pending containers of an older generation (an update that crashed before removing them). */
  stale: C[];
}

export function slotId(name: string, n: number): string {
  return n === 0 ? name : `${name}.${n}`;
}

/** The first of NAME, NAME.1, NAME.2, ... that no container in the namespace uses. */
export function freeSlot(name: string, taken: ReadonlySet<string>): string {
  for (let n = 0; n < MAX_SLOTS; n++) if (!taken.has(slotId(name, n))) return slotId(name, n);
  throw new InternalError(`function ${name}: no free container slot (all ${MAX_SLOTS} are taken)`);
}

export function functionOf(c: ContainerView): string | undefined {
  return c.labels[FUNCTION_LABEL] || undefined;
}

export function generationOf(c: ContainerView): number {
  const g = Number(c.labels[GENERATION_LABEL] ?? '0');
  return Number.isSafeInteger(g) && g >= 0 ? g : 0;
}

export function isPending(c: ContainerView): boolean {
  return c.labels[PENDING_LABEL] !== undefined;
}

export function replicasOf(c: ContainerView): number {
  return Number(c.labels[REPLICAS_LABEL] ?? '1');
}

/** The labels of a function's container: pending ones carry PENDING_LABEL until switched in. */
export function instanceLabels(
  name: string,
  replicas: number,
  generation: number,
  pending: boolean,
): Record<string, string> {
  return {
    [FUNCTION_LABEL]: name,
    [REPLICAS_LABEL]: String(replicas),
    [GENERATION_LABEL]: String(generation),
    ...(pending ? { [PENDING_LABEL]: '1' } : {}),
  };
}

/** Groups function containers by function name; containers without the label are left out. */
export function groupFunctions<C extends ContainerView>(
  cs: readonly C[],
): Map<string, FunctionContainers<C>> {
  const byName = new Map<string, C[]>();
  for (const c of cs) {
    const name = functionOf(c);
    if (name) byName.set(name, [...(byName.get(name) ?? []), c]);
  }
  const out = new Map<string, FunctionContainers<C>>();
  for (const [name, all] of byName) {
    const live = all.filter((c) => !isPending(c));
    const top = Math.max(-1, ...live.map(generationOf));
    out.set(name, {
      name,
      serving: live.filter((c) => generationOf(c) === top),
      pending: all.filter(isPending),
      stale: live.filter((c) => generationOf(c) !== top),
    });
  }
  return out;
}

/** The function's first serving container (lowest ID): its labels and deployment speak for the function. */
export function primaryOf<C extends ContainerView>(f: FunctionContainers<C>): C | undefined {
  return [...f.serving].sort((a, b) => (a.id < b.id ? -1 : 1))[0];
}

/** The generation an update's new containers get: one above every container of the function. */
export function nextGeneration(f: FunctionContainers): number {
  return Math.max(0, ...[...f.serving, ...f.pending, ...f.stale].map(generationOf)) + 1;
}

/** OpenFaaS's label for a function's most replicas, and OpenFaaS Pro's default for it. */
export const SCALE_MAX_LABEL = SCALE_LABELS.max;
export const DEFAULT_MAX_REPLICAS = 20;

/** The function's replica ceiling from its deployment labels (the default when absent or not a count). */
export function maxReplicas(labels: Record<string, string> | undefined): number {
  const raw = labels?.[SCALE_MAX_LABEL];
  const n = raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? Math.min(n, HARD_MAX_REPLICAS) : DEFAULT_MAX_REPLICAS;
}

/** A scale request's replicas: a whole number from 0 to `max`, else a 400 naming the value. */
export function checkReplicas(value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(
      'replicas',
      `replicas ${JSON.stringify(value)} must be a whole number from 0 to ${max} (label ${SCALE_MAX_LABEL})`,
    );
  }
  return value;
}
